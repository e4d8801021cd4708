package account

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/crypto/argon2"
)

// Password length limits. The maximum keeps hashing cost bounded.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// The argon2id parameters praxis hashes with: OWASP's recommended minimum
// (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Hashing is the cost of the argon2id hashes a Service makes. The zero
// Hashing means praxis's parameters (19 MiB, 2 passes, 1 lane); tests pass
// cheaper ones so that making accounts costs microseconds, not tens of
// milliseconds. Hashes record their parameters, so a hash verifies whatever
// the Service's Hashing.
type Hashing struct {
	Memory  uint32 // KiB; at least 8 per thread
	Time    uint32 // passes
	Threads uint8
}

// orDefault returns h, or praxis's parameters when h is the zero Hashing.
func (h Hashing) orDefault() Hashing {
	if h == (Hashing{}) {
		return Hashing{Memory: argonMemory, Time: argonTime, Threads: argonThreads}
	}
	return h
}

// hash returns an argon2id hash of password in the PHC string format.
func (h Hashing) hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account: salt: %w", err)
	}
	return h.format(salt, argon2.IDKey([]byte(password), salt, h.Time, h.Memory, h.Threads, argonKeyLen)), nil
}

func (h Hashing) format(salt, key []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Time, h.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// dummy returns a well-formed hash with these parameters that no password
// matches (its key is all zeros). A log-in for an email with no account is
// verified against it, so that it takes as long as a wrong password and
// timing reveals nothing; it costs nothing to make.
func (h Hashing) dummy() string {
	return h.format(make([]byte, argonSaltLen), make([]byte, argonKeyLen))
}

//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// HashPassword returns an argon2id hash in the PHC string format, made with
// praxis's parameters.
func HashPassword(password string) (string, error) {
	return Hashing{}.orDefault().hash(password)
}

// VerifyPassword reports whether password matches the hash, comparing in
// constant time. A malformed or empty hash never matches.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version, memory, time, threads int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil ||
		memory <= 0 || memory > 1<<20 || time <= 0 || time > 16 || threads <= 0 || threads > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(time), uint32(memory), uint8(threads), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CheckPassword applies the password rules: length, not among the most common
// passwords, not the person's email or name. The error is EINVALID and says
// what to do.
func CheckPassword(password, email, name string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return praxis.Errorf(praxis.EINVALID, "the password must be at least %d characters long; a few unrelated words together make a good one", MinPasswordLength)
	case len(password) > MaxPasswordLength:
		return praxis.Errorf(praxis.EINVALID, "the password must be at most %d characters long", MaxPasswordLength)
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] {
		return praxis.Errorf(praxis.EINVALID, "that password is one of the most common passwords, which are guessed first; choose another")
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if lower == strings.ToLower(email) || (len(local) >= 4 && strings.Contains(lower, local)) ||
		(len(name) >= 4 && strings.Contains(lower, strings.ToLower(strings.ReplaceAll(name, " ", "")))) {
		return praxis.Errorf(praxis.EINVALID, "the password must not contain your email address or name")
	}
	return nil
}
