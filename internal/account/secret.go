package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Secret prefixes make a leaked secret recognisable (and scannable by secret
// scanners) and say what it is for.
const (
	tokenPrefix   = "praxis_"
	sessionPrefix = "ps_"
)

// newSecret returns a random secret with 256 bits of entropy, and its hash.
func newSecret(prefix string) (string, []byte) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic("account: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(buf)
	return secret, hashSecret(secret)
}

// hashSecret returns the SHA-256 of a secret. Secrets are random, so a fast hash
// is enough: there is nothing to guess.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return sum[:]
}
