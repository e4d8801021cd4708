package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may hold; the rest is ignored.
const (
	MaxQuery = 200 // runes
	MaxTerms = 12
)

// Query is a parsed search: what people typed, made safe.
type Query struct {
	// Terms must all match; each is a word, a word ending in * (a prefix:
	// organ* finds organiser), or a quoted phrase (words joined by spaces).
	Terms []string
	// Excluded terms must not match (typed with a leading minus).
	Excluded []string
}

// Empty reports whether the query has nothing to match: a browse.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// stopWords are too common to find anything by; a query of nothing else
// finds nothing rather than everything.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for from has have how i if in into is it its
		of on or our so that the their them then there these they this to was we were what when where which who
		why will with you your`) {
		stopWords[w] = true
	}
}

// Parse turns what someone typed into a Query. Only letters and digits make
// words, so quotes, operators, brackets, SQL and FTS syntax are inert: the
// worst input gives no results, never an error. A phrase is text between
// double quotes; a word after a minus is excluded; a word followed by * is a
// prefix.
func Parse(s string) Query {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	if utf8.RuneCountInString(s) > MaxQuery {
		s = string([]rune(s)[:MaxQuery])
	}
	var q Query
	inQuote := false
	var phrase []string
	prev := ' '
	for len(s) > 0 && len(q.Terms)+len(q.Excluded) < MaxTerms {
		r, size := utf8.DecodeRuneInString(s)
		atStart := unicode.IsSpace(prev) || prev == '"' || prev == '('
		prev = r
		switch {
		case r == '"':
			if inQuote && len(phrase) > 0 {
				q.Terms = append(q.Terms, strings.Join(phrase, " "))
			}
			phrase, inQuote = nil, !inQuote
			s = s[size:]
		case isWordRune(r):
			word, rest := takeWord(s)
			s = rest
			if utf8.RuneCountInString(word) < 2 && !unicode.IsDigit(r) {
				continue // the t of don't, stray letters
			}
			if inQuote {
				phrase = append(phrase, word)
				continue
			}
			if strings.HasPrefix(s, "*") && utf8.RuneCountInString(word) >= 2 {
				q.Terms = append(q.Terms, word+"*")
				s = s[1:]
				continue
			}
			if stopWords[word] {
				continue
			}
			q.Terms = append(q.Terms, word)
		case r == '-' && !inQuote && atStart:
			word, rest := takeWord(s[size:])
			s = rest
			if word != "" && !stopWords[word] {
				q.Excluded = append(q.Excluded, word)
			}
		default:
			s = s[size:]
		}
	}
	if inQuote && len(phrase) > 0 { // an unclosed quote still counts
		q.Terms = append(q.Terms, strings.Join(phrase, " "))
	}
	return q
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

// takeWord reads a word (letters, digits and marks) from the start of s,
// lower-cased. Anything else ends it, as SQLite's tokenizer splits words:
// tenants' is tenants, one-to-one is one, to, one.
func takeWord(s string) (word, rest string) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		b.WriteRune(unicode.ToLower(r))
		i += size
	}
	return b.String(), s[i:]
}

// Match is the query as an FTS4 MATCH expression (enhanced syntax): every
// term a quoted string (so nothing in it is an operator), joined by spaces
// (AND), excluded terms after NOT. "" when there is nothing to match.
func (q Query) Match() string {
	if q.Empty() {
		return ""
	}
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(t)
		b.WriteByte('"')
	}
	for _, t := range q.Excluded {
		b.WriteString(` NOT "`)
		b.WriteString(t)
		b.WriteByte('"')
	}
	return b.String()
}

// String is the query as it could be typed again.
func (q Query) String() string {
	var parts []string
	for _, t := range q.Terms {
		if strings.Contains(t, " ") {
			t = `"` + t + `"`
		}
		parts = append(parts, t)
	}
	for _, t := range q.Excluded {
		parts = append(parts, "-"+t)
	}
	return strings.Join(parts, " ")
}
