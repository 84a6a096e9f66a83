package cli

import (
	"crypto/x509"
	"strings"

	"cardcenter/app"
	"cardcenter/app/sitecert"
)

// listFlag is a flag given once with a comma-separated list, or repeated, or both:
// --host https://a:8620,https://b:8620 is --host https://a:8620 --host https://b:8620.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, strings.TrimRight(part, "/"))
		}
	}
	return nil
}

// pinnedHost is one host of the site as a client is told it: its URL and, for https, the
// fingerprint of the certificate it must present, or the site CA that must have signed it.
type pinnedHost struct {
	URL string
	Pin *sitecert.Fingerprint
	CA  *x509.CertPool
}

// pinHosts pairs the site's host URLs with their fingerprints: none, one for every host
// (hosts that share one certificate), or one per host in the same order (each host made its
// own). Every URL passes sitecert.CheckHostURL: plain http only to this machine unless
// insecure.
func pinHosts(urls, pins []string, insecure bool) ([]pinnedHost, error) {
	if len(urls) == 0 {
		return nil, app.E(app.CodeBadInput, "--host: give at least one host URL")
	}
	if len(pins) > 1 && len(pins) != len(urls) {
		return nil, app.E(app.CodeBadInput, "--pin-sha256: %d fingerprints for %d hosts; give one for all or one per host, in the order of --host", len(pins), len(urls))
	}
	out := make([]pinnedHost, len(urls))
	for i, u := range urls {
		out[i].URL = u
		var pinHex string
		switch len(pins) {
		case 1:
			pinHex = pins[0]
		case len(urls):
			pinHex = pins[i]
		}
		if err := sitecert.CheckHostURL(u, pinHex != "", insecure); err != nil {
			return nil, err
		}
		if pinHex != "" {
			fp, err := sitecert.ParseFingerprint(pinHex)
			if err != nil {
				return nil, err
			}
			out[i].Pin = &fp
		}
	}
	return out, nil
}
