package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// redirectSeeds are the tricks browsers fall for: tabs and newlines that
// vanish, backslashes read as slashes, scheme-relative and absolute URLs,
// encoded forms, and user info. They are the fuzz test's seed corpus, run by
// every go test.
var redirectSeeds = []string{
	"", "/", "/account/tokens", "/modules?format=online&page=2", "/modules/x#agenda",
	"//evil.example", "///evil.example", "/\\evil.example", "\\/evil.example", "\\\\evil.example",
	"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
	"/%09/evil.example", "/%2F/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
	"https://evil.example", "http://evil.example/x", "http:evil.example", "http:/evil.example",
	"http:\\\\evil.example", "HTTP://evil.example", "javascript:alert(1)", "data:text/html,x",
	"/\\/evil.example", "/.\\evil.example", "/x/../\\evil.example", "/@evil.example",
	"//user:pw@evil.example", "/\x00/evil.example", "\x00//evil.example", "/\x0b/evil.example",
	"/a b?c d#e f", "/ünïcode?q=ü", "/?next=//evil.example", "/\u3000/evil.example",
	"\u00a0//evil.example", "/search?q=a\\b", "/modules/x?rev=v2026.01#h",
}

// TestLocalRedirect pins the answer for the tricks that matter.
func TestLocalRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/account/tokens":            "/account/tokens",
		"/modules?format=online&p=2": "/modules?format=online&p=2",
		"/modules/x#agenda":          "/modules/x#agenda",
		"/\t/evil.example":           "/",
		"/\r\n/evil.example":         "/",
		"/\\evil.example":            "/",
		"//evil.example":             "/",
		"https://evil.example":       "/",
		"http:/evil.example":         "/",
		"javascript:alert(1)":        "/",
		"/%2F/evil.example":          "/%2F/evil.example",
		" /account":                  "/account",
		"/a b":                       "/a%20b",
		"":                           "/",
	} {
		if got := localRedirect(in); got != want {
			t.Errorf("localRedirect(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLocalRedirect checks localRedirect against a model of how a browser
// resolves a Location header (the WHATWG URL standard's rules for http
// URLs): whatever the input, the browser must stay on praxis's host; the
// answer must hold nothing a browser would strip or reinterpret, and must be
// its own answer; and an ordinary path must come back unchanged.
func FuzzLocalRedirect(f *testing.F) {
	for _, s := range redirectSeeds {
		f.Add(s)
	}
	plain := regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()*+,;=:@/?-]*$`)
	f.Fuzz(func(t *testing.T, in string) {
		out := localRedirect(in)
		if host := browserHost(out); host != modelHost {
			t.Fatalf("localRedirect(%q) = %q, which a browser follows to %q", in, out, host)
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; c <= ' ' || c == '\\' || c >= 0x7f {
				t.Fatalf("localRedirect(%q) = %q holds byte %#x, which a browser may strip or remap", in, out, c)
			}
		}
		if again := localRedirect(out); again != out {
			t.Fatalf("localRedirect(%q) = %q, but localRedirect(%q) = %q", in, out, out, again)
		}
		if u, err := url.Parse(out); err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("localRedirect(%q) = %q, which net/url reads as host %q scheme %q (%v)", in, out, u.Host, u.Scheme, err)
		}
		if plain.MatchString(in) && !strings.HasPrefix(in, "//") && out != in {
			t.Fatalf("localRedirect(%q) = %q, want the ordinary path unchanged", in, out)
		}
	})
}

// modelHost is the host of the page a redirect starts from in the model.
const modelHost = "praxis.test"

var schemePrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// browserHost returns the host a browser ends up on when it follows
// Location: ref from http://praxis.test/login, by the WHATWG URL standard:
// leading and trailing C0 controls and spaces are dropped, tabs and newlines
// removed; a scheme other than http leaves the site; two slashes or
// backslashes (after an optional "http:") start an authority; anything else
// is a path, query or fragment on the same host.
func browserHost(ref string) string {
	s := strings.TrimFunc(ref, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	if m := schemePrefix.FindStringSubmatch(s); m != nil {
		if !strings.EqualFold(m[1], "http") {
			return "scheme " + strings.ToLower(m[1])
		}
		s = s[len(m[0]):]
	}
	slash := func(i int) bool { return len(s) > i && (s[i] == '/' || s[i] == '\\') }
	if !slash(0) || !slash(1) {
		return modelHost
	}
	authority := strings.TrimLeft(s, "/\\")
	if i := strings.IndexAny(authority, "/\\?#"); i >= 0 {
		authority = authority[:i]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = authority[i+1:]
	}
	if authority == "" {
		return "(no host: the browser refuses the URL)"
	}
	return strings.ToLower(authority)
}
