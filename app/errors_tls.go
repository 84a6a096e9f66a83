package app

// Refusals about the host's transport: PINs travel in every authorization, so plain HTTP
// off this machine is refused, and a pinned host certificate that does not match is no
// host of ours.
const (
	// CodePlainHTTPRefused: a listener or a host URL would carry PINs in clear over the
	// network (plain HTTP on an address that is not loopback).
	CodePlainHTTPRefused Code = "PLAIN_HTTP_REFUSED"
	// CodeHostCertMismatch: the host presented a certificate other than the pinned one. It
	// is found in the TLS handshake: nothing was sent.
	CodeHostCertMismatch Code = "HOST_CERT_MISMATCH"
	// CodeHostCertUntrusted: a host met for the first time whose certificate nobody
	// confirmed (the clerk declined, or there was no one to ask): nothing was sent.
	CodeHostCertUntrusted Code = "HOST_CERT_UNTRUSTED"
)

func init() {
	catalogue[CodePlainHTTPRefused] = [2]string{"拒绝以明文 HTTP 在非本机地址上通信:密码会明文传输;请使用 TLS(--tls-cert/--tls-key 或 --tls-self-signed)",
		"refusing plain HTTP on an address other than this machine: PINs would travel in clear; use TLS (--tls-cert/--tls-key or --tls-self-signed)"}
	catalogue[CodeHostCertMismatch] = [2]string{"主机证书与预置指纹不符,未发送任何数据:请核对主机地址与证书指纹",
		"the host's certificate is not the pinned one; nothing was sent: check the host address and the certificate fingerprint"}
	catalogue[CodeHostCertUntrusted] = [2]string{"主机证书未经确认,未发送任何数据:请核对主机打印的证书指纹后确认,或用 --pin-sha256 / --ca 指定",
		"the host's certificate was not confirmed; nothing was sent: compare it with the fingerprint the host printed and confirm, or give --pin-sha256 / --ca"}
}
