module cardcenter

go 1.26.0

require (
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
