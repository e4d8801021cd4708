package web

import (
	"net/url"
	"strings"
)

// localRedirect decides every redirect target that a request names (`next`
// after signing in, the page to come back to): it returns target, cleaned,
// when a browser would resolve it to a path on this site, and "/" otherwise.
//
// Browsers do not read a Location header the way net/url does (the WHATWG URL
// standard): they drop leading and trailing spaces and control characters,
// remove tabs and newlines anywhere, and read a backslash as a slash in http
// and https URLs, so "/\t/evil.example" and "/\evil.example" both lead to
// //evil.example, another site. localRedirect applies the same rules first,
// then accepts only a path that starts with one slash, and returns it with
// every byte a browser could reinterpret percent-encoded.
func localRedirect(target string) string {
	t := strings.TrimFunc(target, func(r rune) bool { return r <= ' ' })
	t = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, t)
	if !strings.HasPrefix(t, "/") || strings.HasPrefix(t, "//") {
		return "/"
	}
	u, err := url.Parse(t)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		out += "?" + escapeLoose(u.RawQuery)
	}
	if u.Fragment != "" {
		out += "#" + u.EscapedFragment()
	}
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}

// escapeLoose percent-encodes the bytes of a query that are not safe to
// send as they are: spaces, controls, backslashes, non-ASCII and the
// characters URLs never carry raw. It leaves %, &, = and the rest alone, so a
// query that was already encoded keeps its meaning.
func escapeLoose(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}#", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
