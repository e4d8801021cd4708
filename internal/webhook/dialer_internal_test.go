package webhook

import (
	"net/netip"
	"testing"
)

// TestForbiddenAddresses: every internal address is refused, however it
// is written (IPv4-mapped, NAT64, 6to4); public ones are not.
func TestForbiddenAddresses(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.0.0.5": true, "192.168.1.1": true, "169.254.169.254": true, "100.64.0.1": true, "0.0.0.0": true,
		"::1": true, "fe80::1": true, "fd00::1": true, "::ffff:10.0.0.5": true,
		"64:ff9b::a00:5": true, "64:ff9b::7f00:1": true, "2002:a00:5::1": true, "2002:a9fe:a9fe::1": true,
		"93.184.216.34": false, "2606:2800:220:1:248:1893:25c8:1946": false, "64:ff9b::5db8:d822": false, "2002:5db8:d822::1": false,
	} {
		if got := forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}
