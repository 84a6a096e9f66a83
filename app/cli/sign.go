package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// runSign prints a signed curl command for one POS message, so a person can talk to
// `cardcenter serve` by hand (docs/pos-protocol.md).
func runSign(ctx context.Context, e *env, args []string) error {
	fs := newFlags("sign", e)
	db := fs.String("db", "", "ledger database file holding the device's secret (required)")
	device := fs.String("device", "", "terminal id (required)")
	path := fs.String("path", posapi.PathSummary, "endpoint, e.g. /v1/recharge")
	body := fs.String("body", "", "JSON body (default: {\"device_id\":DEVICE})")
	url := fs.String("url", "http://127.0.0.1:8620", "host base URL")
	cacert := fs.String("cacert", "", "the host's certificate (e.g. the --tls-self-signed DIR/host.pem), for curl to trust")
	siteKey := siteKeyFlag(fs, "site key file, which unseals the device's secret")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !strings.HasPrefix(*path, "/v1/") {
		return app.E(app.CodeBadInput, "--path must start with /v1/, got %q", *path)
	}
	_, svc, st, err := e.openSite(*db, *siteKey)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := svc.DeviceWithKey(ctx, *device)
	if err != nil {
		return err
	}
	if *body == "" {
		*body = fmt.Sprintf(`{"device_id":%q}`, d.ID)
	}
	at := e.clock.Now().UnixMilli()
	sig := posapi.Sign(d.Secret, http.MethodPost, *path, d.ID, at, []byte(*body))
	trust := ""
	if *cacert != "" {
		trust = "--cacert " + shellQuote(*cacert) + " "
	}
	fmt.Fprintf(e.stdout, "curl -sS %s-X POST %s%s \\\n  -H 'Content-Type: application/json' \\\n  -H '%s: %s' -H '%s: %s' \\\n  -H '%s: %s' \\\n  --data-raw %s\n",
		trust, *url, *path, posapi.HeaderDevice, d.ID, posapi.HeaderTime, strconv.FormatInt(at, 10), posapi.HeaderSignature, sig, shellQuote(*body))
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
