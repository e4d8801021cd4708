package review

import (
	"context"
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Limits on the number of approvals a merge needs.
const (
	DefaultRequiredApprovals = 1
	MaxRequiredApprovals     = 5
)

// approvalsSetting is the instance setting holding how many approvals a
// merge needs.
const approvalsSetting = "review_approvals"

// Approval is where a proposal's head stands with its reviewers. Only
// verdicts on that head count, so a new version makes earlier ones stale,
// and only from reviewers other than its author.
type Approval struct {
	// Approvals counts reviewers whose latest verdict on the head approves it.
	Approvals int
	// Required is how many approvals a merge needs (an instance setting).
	Required int
	// ChangesRequested names reviewers whose latest verdict on the head asks
	// for changes; any one of them holds the merge back.
	ChangesRequested []string
}

// Approved reports whether the head has the approvals it needs and nobody
// asks for changes to it.
func (a Approval) Approved() bool {
	return a.Approvals >= a.Required && len(a.ChangesRequested) == 0
}

// approvalAt tallies the reviews of head: each reviewer's latest verdict
// (approve or request changes; comments leave it as it was), the author's
// own never counting.
func approvalAt(reviews []praxis.Review, authorID int64, head string, required int) Approval {
	latest := map[int64]praxis.Review{}
	var order []int64
	for _, r := range reviews {
		if r.Head != head || r.ReviewerID == authorID || r.Verdict == praxis.VerdictComment {
			continue
		}
		if _, seen := latest[r.ReviewerID]; !seen {
			order = append(order, r.ReviewerID)
		}
		latest[r.ReviewerID] = r
	}
	a := Approval{Required: required}
	for _, id := range order {
		switch r := latest[id]; r.Verdict {
		case praxis.VerdictApprove:
			a.Approvals++
		case praxis.VerdictRequestChanges:
			a.ChangesRequested = append(a.ChangesRequested, r.Reviewer)
		}
	}
	return a
}

// ApprovedEarlier returns the version (head) that a reviewer other than its
// author last approved before the proposal changed, while its head lacks the
// approvals it needs: the version from which to show what changed since. It
// returns "" when the head is approved or no earlier version was.
func (v *ProposalView) ApprovedEarlier() string {
	if v.Approved {
		return ""
	}
	earlier := ""
	for _, r := range v.Reviews {
		if r.Verdict == praxis.VerdictApprove && r.Head != v.Head && r.ReviewerID != v.AuthorID {
			earlier = r.Head
		}
	}
	return earlier
}

// RequiredApprovals returns how many approvals from people other than its
// author a proposal needs before it can be merged.
func (s *Service) RequiredApprovals(ctx context.Context) (int, error) {
	v, err := s.db.Setting(ctx, approvalsSetting, strconv.Itoa(DefaultRequiredApprovals))
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return DefaultRequiredApprovals, nil
	}
	return n, nil
}

// SetRequiredApprovals sets how many approvals a merge needs, from 1 to
// MaxRequiredApprovals (admins). A bad value is EINVALID naming
// "review_approvals".
func (s *Service) SetRequiredApprovals(ctx context.Context, actor *praxis.User, value string) error {
	if err := access.Authorize(actor, access.EditSettings); err != nil {
		return err
	}
	n, err := ParseRequiredApprovals(value)
	if err != nil {
		return err
	}
	return s.db.SetSetting(ctx, approvalsSetting, strconv.Itoa(n), praxis.AuditEntry{
		ActorID: actor.ID, Action: "settings." + approvalsSetting, Detail: strconv.Itoa(n), At: s.now(),
	})
}

// ParseRequiredApprovals checks a number of approvals as typed: a whole
// number from 1 to MaxRequiredApprovals, else EINVALID naming
// "review_approvals".
func ParseRequiredApprovals(value string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > MaxRequiredApprovals {
		return 0, praxis.Invalid(approvalsSetting, "give a whole number from 1 to %d", MaxRequiredApprovals)
	}
	return n, nil
}
