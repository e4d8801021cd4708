package review_test

import (
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// The version to show what changed since: the last earlier head approved by
// someone other than the author, while the head lacks its approvals.
func TestApprovedEarlier(t *testing.T) {
	approve := func(reviewer int64, head string) praxis.Review {
		return praxis.Review{ReviewerID: reviewer, Verdict: praxis.VerdictApprove, Head: head}
	}
	for _, tt := range []struct {
		name     string
		approved bool
		reviews  []praxis.Review
		want     string
	}{
		{"no reviews", false, nil, ""},
		{"approved earlier", false, []praxis.Review{approve(2, "h1")}, "h1"},
		{"the latest earlier", false, []praxis.Review{approve(2, "h1"), approve(3, "h2")}, "h2"},
		{"the head's own approval", false, []praxis.Review{approve(2, "h3")}, ""},
		{"the author's own", false, []praxis.Review{approve(1, "h1")}, ""},
		{"asked for changes", false, []praxis.Review{{ReviewerID: 2, Verdict: praxis.VerdictRequestChanges, Head: "h1"}}, ""},
		{"the head is approved", true, []praxis.Review{approve(2, "h1"), approve(3, "h3")}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := &review.ProposalView{Proposal: &praxis.Proposal{AuthorID: 1}, Head: "h3", Reviews: tt.reviews, Approved: tt.approved}
			if got := v.ApprovedEarlier(); got != tt.want {
				t.Errorf("ApprovedEarlier = %q, want %q", got, tt.want)
			}
		})
	}
}
