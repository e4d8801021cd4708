package praxis

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// CleanText trims what a person typed into field (line endings made "\n")
// and checks it: valid UTF-8, at most max characters, no control characters
// (line breaks and tabs only where multiline). EINVALID naming field
// otherwise. Whether it may be empty is the caller's to say.
func CleanText(field, value string, max int, multiline bool) (string, error) {
	value = strings.TrimSpace(strings.ReplaceAll(value, "\r\n", "\n"))
	if !utf8.ValidString(value) {
		return "", Invalid(field, "this is not valid text")
	}
	if utf8.RuneCountInString(value) > max {
		return "", Invalid(field, "this is longer than %d characters", max)
	}
	for _, r := range value {
		if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f {
			return "", Invalid(field, "this holds a control character")
		}
	}
	return value, nil
}

// CleanEmail trims an email address typed into field and checks it is one
// bare address (no name, no angle brackets) of at most max bytes with a
// dot in its domain. EINVALID naming field otherwise. Whether it may be
// empty is the caller's to say.
func CleanEmail(field, value string, max int) (string, error) {
	value = strings.TrimSpace(value)
	if len(value) > max {
		return "", Invalid(field, "the email address is longer than %d characters", max)
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || !strings.Contains(value[strings.LastIndex(value, "@")+1:], ".") {
		return "", Invalid(field, "%q is not an email address like name@example.org", value)
	}
	return value, nil
}
