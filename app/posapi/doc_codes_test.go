package posapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cardcenter/app"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/pos-protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clientOnly are the codes a client says of its own: the host never sends them.
var clientOnly = map[app.Code]bool{CodeNoAnswer: true, CodeBadAnswer: true, app.CodeHostCertMismatch: true, app.CodeHostCertUntrusted: true,
	app.CodeRechargeTimeout: true, app.CodeRechargeTimeoutPending: true, app.CodeRetapCard: true, app.CodeRetapPending: true,
	app.CodeWrongCard: true, app.CodeCardCannotProve: true, app.CodeOfflinePending: true, app.CodeCardReadFailed: true}

// declaredCodes reads, from the Go source of dir, every constant of type Code (app.Code)
// given as a string literal: a code declared but left out of every catalogue would reach a
// POS as "unknown error".
func declaredCodes(t *testing.T, dir string) map[app.Code]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[app.Code]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				typed := false
				switch ty := vs.Type.(type) {
				case *ast.Ident:
					typed = ty.Name == "Code"
				case *ast.SelectorExpr:
					typed = ty.Sel.Name == "Code"
				}
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !typed || !ok || lit.Kind != token.STRING {
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					out[app.Code(s)] = filepath.Base(f) + " " + vs.Names[i].Name
				}
			}
		}
	}
	return out
}

var codeRow = regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]*)` \\| ([0-9]{3}|—) \\|")

// Issue 9.14: docs/pos-protocol.md lists every code the host can send — every code of the
// ledger's catalogue and every code of the protocol — with the HTTP status it comes with,
// and the codes a client says of its own with "—". A code added to the code without a row
// in the document fails here, and so does a row for a code that does not exist.
func TestProtocolDocListsEveryCode(t *testing.T) {
	doc := readDoc(t)
	rows := map[app.Code][]string{}
	for _, m := range codeRow.FindAllStringSubmatch(doc, -1) {
		rows[app.Code(m[1])] = append(rows[app.Code(m[1])], m[2])
	}
	codes := map[app.Code]bool{}
	for _, c := range app.Codes() {
		codes[c] = true
		if e := app.E(c, ""); e.ZH == "" || e.EN == "" || e.EN == "unknown error" {
			t.Errorf("%s has no message", c)
		}
	}
	for _, dir := range []string{"..", "."} {
		for c, where := range declaredCodes(t, dir) {
			if !codes[c] {
				t.Errorf("%s (%s) is declared but in no catalogue: it has no message", c, where)
			}
		}
	}
	if len(codes) < 60 {
		t.Fatalf("only %d codes found: the catalogue was not read", len(codes))
	}
	for c := range codes {
		want := "—"
		if !clientOnly[c] {
			want = strconv.Itoa(StatusOf(c))
		}
		got := rows[c]
		if len(got) == 0 {
			t.Errorf("docs/pos-protocol.md does not list %s; add the row | `%s` | %s | … | to its codes", c, c, want)
		}
		for _, g := range got {
			if g != want {
				t.Errorf("docs/pos-protocol.md lists %s with HTTP %s; the host sends it with %s", c, g, want)
			}
		}
	}
	for c := range rows {
		if !codes[c] {
			t.Errorf("docs/pos-protocol.md lists %s, which no code declares", c)
		}
	}
}

var exampleRow = regexp.MustCompile("(?m)^\\| ([^|]+?) \\| `([^`]*)` \\|")

// The document's worked signature example verifies: a POS written from the document signs
// exactly as the host checks, and checks an answer exactly as the host signs it. Its
// openssl command gives the same signature.
func TestProtocolDocSignatureExampleVerifies(t *testing.T) {
	doc := readDoc(t)
	start := strings.Index(doc, "<!-- signature example -->")
	end := strings.Index(doc, "<!-- end of signature example -->")
	if start < 0 || end < start {
		t.Fatal("docs/pos-protocol.md has no signature example")
	}
	block := doc[start:end]
	ex := map[string]string{}
	for _, m := range exampleRow.FindAllStringSubmatch(block, -1) {
		ex[m[1]] = m[2]
	}
	for _, k := range []string{"secret", "method", "path", "X-CC-Device", "X-CC-Time", "body", "request X-CC-Signature",
		"answer body", "X-CC-Host-Time", "answer X-CC-Signature"} {
		if _, ok := ex[k]; !ok {
			t.Fatalf("the example has no row %q (it has %v)", k, ex)
		}
	}
	secret, err := hex.DecodeString(ex["secret"])
	if err != nil || len(secret) != 32 {
		t.Fatalf("the example's secret %q: %v", ex["secret"], err)
	}
	at, ok := parseTime(ex["X-CC-Time"])
	if !ok || ex["method"] != http.MethodPost {
		t.Fatalf("example time %q method %q", ex["X-CC-Time"], ex["method"])
	}
	sig := Sign(secret, ex["method"], ex["path"], ex["X-CC-Device"], at, []byte(ex["body"]))
	if sig != ex["request X-CC-Signature"] {
		t.Errorf("the example's request signature is %s; computed %s", ex["request X-CC-Signature"], sig)
	}
	// The signed text as the document spells it, hashed independently of Sign.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ex["method"] + "\n" + ex["path"] + "\n" + ex["X-CC-Device"] + "\n" + ex["X-CC-Time"] + "\n" + ex["body"]))
	if hex.EncodeToString(m.Sum(nil)) != sig {
		t.Error("Sign does not sign METHOD\\nPATH\\nDEVICE\\nTIME\\nBODY")
	}
	// The answer body is the one the host writes for that refusal (summary.go: no session).
	if want := errorAnswer(app.E(app.CodeNotAuthorized, "device %s", ex["X-CC-Device"])); string(want) != ex["answer body"] {
		t.Errorf("the example's answer body is\n%s\nthe host writes\n%s", ex["answer body"], want)
	}
	ht, ok := parseTime(ex["X-CC-Host-Time"])
	if !ok {
		t.Fatalf("host time %q", ex["X-CC-Host-Time"])
	}
	if got := SignResponse(secret, sig, ht, []byte(ex["answer body"])); got != ex["answer X-CC-Signature"] {
		t.Errorf("the example's answer signature is %s; computed %s", ex["answer X-CC-Signature"], got)
	}
	// The openssl line of the example, as a stranger would run it.
	i := strings.Index(block, "```sh\n")
	if i < 0 {
		t.Fatal("the example has no openssl command")
	}
	cmdText := block[i+len("```sh\n"):]
	cmdText = cmdText[:strings.Index(cmdText, "```")]
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	out, err := exec.Command("sh", "-c", cmdText).CombinedOutput()
	if err != nil || !strings.Contains(string(out), sig) {
		t.Errorf("the example's openssl command says %q (%v), want %s", out, err, sig)
	}
}
