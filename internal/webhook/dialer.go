package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// cgnat is the shared address space carriers use (RFC 6598), which
// netip does not count as private.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// IPv6 prefixes that carry an IPv4 address a gateway reaches: NAT64's
// well-known prefix (RFC 6052; the IPv4 address is the last 32 bits) and
// 6to4 (RFC 3056; bits 16 to 48).
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// forbidden reports whether an address is one a webhook may not reach
// unless an admin allows private addresses: loopback, private, link-local,
// unspecified, multicast and carrier-grade NAT (and the same in IPv4-mapped
// IPv6, and behind NAT64 or 6to4).
func forbidden(addr netip.Addr) bool {
	addr = addr.Unmap()
	switch b := addr.As16(); {
	case nat64.Contains(addr):
		if forbidden(netip.AddrFrom4([4]byte(b[12:16]))) {
			return true
		}
	case sixTo4.Contains(addr):
		if forbidden(netip.AddrFrom4([4]byte(b[2:6]))) {
			return true
		}
	}
	return addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() || (addr.Is4() && cgnat.Contains(addr))
}

// errForbiddenAddress is a dial refused for where it led.
var errForbiddenAddress = errors.New("the address is loopback, private or otherwise internal, which webhooks may not reach")

// guard is a net.Dialer Control func: it refuses connections to forbidden
// addresses. It runs on the address actually dialled, after DNS, so a name
// that resolves (or rebinds) to an internal address is refused too.
func guard(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: cannot check the address %q: %w", address, err)
	}
	if forbidden(ap.Addr()) {
		return fmt.Errorf("%w (%s)", errForbiddenAddress, ap.Addr())
	}
	return nil
}

// maxResponse is as much of a receiver's answer as is read.
const maxResponse = 64 << 10

// newClient returns the HTTP client deliveries are posted with: timeout
// for the whole request, no redirects followed (a 3xx is the answer, and
// fails), no proxy from the environment, and unless allowPrivate no
// connection to an internal address.
func newClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = guard
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Timeout: timeout, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
