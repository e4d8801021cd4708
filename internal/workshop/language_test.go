package workshop_test

import (
	"testing"

	"github.com/praxis-coop/praxis/internal/workshop"
)

func TestLanguageName(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]string{"en": "English", "cy": "Welsh", "pl": "Polish", "bn": "Bangla", "pt-BR": "Brazilian Portuguese",
		"bfi": "British Sign Language", "xx-notreal-!": "xx-notreal-!"} {
		if got := workshop.LanguageName(tag); got != want {
			t.Errorf("LanguageName(%q) = %q, want %q", tag, got, want)
		}
	}
}
