package notify

import (
	"context"
	"slices"
	"strings"
	"unicode"
)

// maxMentionWords is the most words a mentioned name may have.
const maxMentionWords = 4

// mentions finds the people a comment mentions: "@" followed by an active
// member's name (compared without regard to case or spacing), the longest
// name that fits. A name several members share mentions the one among
// preferred (the proposal's author and participants) when exactly one of
// them has it, and nobody otherwise: praxis never guesses.
func (s *Service) mentions(ctx context.Context, body string, preferred []int64) ([]int64, error) {
	var out []int64
	for _, words := range mentionCandidates(body) {
		for n := min(len(words), maxMentionWords); n >= 1; n-- {
			name := strings.Join(words[:n], " ")
			found, err := s.db.ActiveUsersNamed(ctx, name, 20)
			if err != nil {
				return nil, err
			}
			var exact []int64
			for _, u := range found {
				if sameName(u.Name, name) {
					exact = append(exact, u.ID)
				}
			}
			if len(exact) == 0 {
				continue
			}
			if len(exact) > 1 {
				var among []int64
				for _, id := range exact {
					if slices.Contains(preferred, id) {
						among = append(among, id)
					}
				}
				exact = among
			}
			if len(exact) == 1 && !slices.Contains(out, exact[0]) {
				out = append(out, exact[0])
			}
			break
		}
	}
	return out, nil
}

// mentionCandidates returns, for each "@" that starts a word, the words
// after it (up to maxMentionWords), trailing punctuation trimmed.
func mentionCandidates(body string) [][]string {
	var out [][]string
	runes := []rune(body)
	for i, r := range runes {
		if r != '@' || (i > 0 && !unicode.IsSpace(runes[i-1]) && !strings.ContainsRune("([{\"'“‘", runes[i-1])) {
			continue
		}
		rest := string(runes[i+1:])
		if rest == "" || unicode.IsSpace([]rune(rest)[0]) {
			continue
		}
		var words []string
		for _, w := range strings.Fields(rest) {
			trimmed := strings.TrimRightFunc(w, func(r rune) bool { return unicode.IsPunct(r) && r != '\'' && r != '-' })
			if trimmed == "" || strings.HasPrefix(trimmed, "@") {
				break
			}
			words = append(words, trimmed)
			if len(words) == maxMentionWords || trimmed != w {
				break // a word that ended in punctuation ends the name
			}
		}
		if len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

// sameName compares names as people write them: case and spacing aside.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}
