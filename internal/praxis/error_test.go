package praxis_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Field errors are found however an error is wrapped or joined, in order.
func TestFieldErrors(t *testing.T) {
	one := praxis.Invalid("email", "%q is not an address", "x")
	two := praxis.InvalidFields([]praxis.FieldError{{Field: "date", Message: "too late"}, {Field: "town", Message: "too long"}})
	for _, tt := range []struct {
		name  string
		err   error
		want  []praxis.FieldError
		first string
	}{
		{"none", nil, nil, ""},
		{"no field", praxis.Errorf(praxis.EINVALID, "no"), nil, ""},
		{"one", one, []praxis.FieldError{{Field: "email", Message: `"x" is not an address`}}, "email"},
		{"wrapped", fmt.Errorf("saving: %w", two), []praxis.FieldError{{Field: "date", Message: "too late"}, {Field: "town", Message: "too long"}}, "date"},
		{"joined", errors.Join(one, errors.New("other"), two), []praxis.FieldError{{Field: "email", Message: `"x" is not an address`}, {Field: "date", Message: "too late"}, {Field: "town", Message: "too long"}}, "email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, praxis.FieldErrors(tt.err)); d != "" {
				t.Errorf("FieldErrors (-want +got):\n%s", d)
			}
			if got := praxis.ErrorField(tt.err); got != tt.first {
				t.Errorf("ErrorField = %q, want %q", got, tt.first)
			}
		})
	}
	if praxis.InvalidFields(nil) != nil {
		t.Error("InvalidFields(nil) is an error")
	}
	if praxis.ErrorCode(two) != praxis.EINVALID || praxis.ErrorMessage(two) != "too late" || praxis.ErrorMessage(one) != `"x" is not an address` {
		t.Errorf("InvalidFields = %v, Invalid = %v; want EINVALID with the first field's message", two, one)
	}
}
