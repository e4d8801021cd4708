package main

import (
	"net"
	"testing"
)

func TestListenURLIsTheLinksAddressWithoutBaseURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "http://localhost:8080"},
		{"[::]:80", "http://localhost:80"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"192.0.2.7:9000", "http://192.0.2.7:9000"},
	} {
		addr, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := listenURL(addr); got != c.want {
			t.Errorf("listenURL(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
}
