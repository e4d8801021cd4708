package account

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/text/language"
)

// ProfileUpdate is a person's own profile as they edit it.
type ProfileUpdate struct {
	Name, Pronouns, Region, Town, Organisation, Bio string
	Languages                                       []string
	Visibility                                      map[string]praxis.Visibility
}

// UpdateProfile checks and saves a person's own profile.
func (s *Service) UpdateProfile(ctx context.Context, user *praxis.User, p ProfileUpdate) (*praxis.User, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return nil, err
	}
	u := *user
	var err error
	fields := []struct {
		name     string
		dst      *string
		value    string
		max      int
		required bool
		multi    bool
	}{
		{"name", &u.Name, p.Name, MaxNameLength, true, false},
		{"pronouns", &u.Pronouns, p.Pronouns, MaxPronounsLength, false, false},
		{"region", &u.Region, p.Region, MaxPlaceLength, false, false},
		{"town", &u.Town, p.Town, MaxPlaceLength, false, false},
		{"organisation", &u.Organisation, p.Organisation, MaxOrganisationLength, false, false},
		{"bio", &u.Bio, p.Bio, MaxBioLength, false, true},
	}
	// Every field is checked, so that the form names all that is wrong at once.
	var problems []praxis.FieldError
	for _, f := range fields {
		*f.dst, err = cleanText(f.name, f.value, f.max, f.required, f.multi)
		problems = append(problems, praxis.FieldErrors(err)...)
	}
	u.Languages, err = cleanLanguages(p.Languages)
	problems = append(problems, praxis.FieldErrors(err)...)
	u.Visibility = map[string]praxis.Visibility{}
	for _, field := range slices.Sorted(maps.Keys(p.Visibility)) {
		v := p.Visibility[field]
		if !slices.Contains(praxis.ProfileFields, field) {
			problems = append(problems, invalid("visibility", "unknown profile field %q", field).Fields...)
			break
		}
		if !slices.Contains(praxis.Visibilities, v) {
			problems = append(problems, invalid("visibility", "unknown visibility %q: use public, network or coordinators", v).Fields...)
			break
		}
		u.Visibility[field] = v
	}
	if err := praxis.InvalidFields(problems); err != nil {
		return nil, err
	}
	if err := s.db.UpdateProfile(ctx, &u); err != nil {
		return nil, err
	}
	return s.db.FindUser(ctx, u.ID)
}

// cleanLanguages checks language tags (en, cy, pl, pt-BR), canonicalises and
// de-duplicates them.
func cleanLanguages(tags []string) ([]string, error) {
	var out []string
	for _, raw := range tags {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		tag, err := language.Parse(raw)
		if err != nil || len(raw) > 20 {
			return nil, invalid("languages", "%q is not a language code such as en, cy or pl", raw)
		}
		if s := tag.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > MaxLanguages {
		return nil, invalid("languages", "list at most %d languages", MaxLanguages)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// Visible returns the part of subject's profile that viewer may see: fields
// whose visibility allows it, blanked otherwise. A person sees all of their own
// profile; coordinators see fields kept for coordinators; the network sees
// network and public fields; anyone sees public fields. Email addresses are
// shown only to the person and to coordinators.
// Audiences a person can see their own profile as: another member of the
// network, or anyone on the internet.
const (
	AudienceNetwork = "network"
	AudiencePublic  = "public"
)

// SeenBy is u's profile as audience sees it (AudienceNetwork or
// AudiencePublic): what "See your profile as others do" shows them. Any
// other audience is u's own view.
func SeenBy(u *praxis.User, audience string) *praxis.User {
	switch audience {
	case AudienceNetwork:
		member := &praxis.User{Roles: []praxis.Role{praxis.RoleFacilitator}, Status: praxis.StatusActive}
		return Visible(member, u)
	case AudiencePublic:
		return Visible(nil, u)
	}
	return u
}

func Visible(viewer, subject *praxis.User) *praxis.User {
	out := *subject
	self := viewer != nil && viewer.ID == subject.ID
	if self || access.Can(viewer, access.ViewPrivate) {
		return &out
	}
	allowed := func(field string) bool {
		switch subject.FieldVisibility(field) {
		case praxis.VisibilityPublic:
			return true
		case praxis.VisibilityNetwork:
			return access.Can(viewer, access.ViewDirectory)
		default:
			return false
		}
	}
	out.Email = ""
	out.Visibility = nil
	if !allowed("pronouns") {
		out.Pronouns = ""
	}
	if !allowed("region") {
		out.Region = ""
	}
	if !allowed("town") {
		out.Town = ""
	}
	if !allowed("organisation") {
		out.Organisation = ""
	}
	if !allowed("languages") {
		out.Languages = nil
	}
	if !allowed("bio") {
		out.Bio = ""
	}
	if !allowed("trainings") {
		out.Trainings = nil
	}
	return &out
}

// HasPublicFields reports whether a person has shared any field publicly; only
// then does their profile page exist for people who are not signed in.
func HasPublicFields(u *praxis.User) bool {
	for _, f := range praxis.ProfileFields {
		if u.FieldVisibility(f) == praxis.VisibilityPublic {
			return true
		}
	}
	return false
}

// Profile returns a person's profile as viewer may see it. ENOTFOUND when it
// does not exist for the viewer: deleted, not active (except for
// coordinators), or, for visitors who are not signed in, with nothing public.
func (s *Service) Profile(ctx context.Context, viewer *praxis.User, id int64) (*praxis.User, error) {
	u, err := s.db.FindUser(ctx, id)
	if err != nil {
		return nil, err
	}
	self := viewer != nil && viewer.ID == u.ID
	switch {
	case u.Status == praxis.StatusDeleted:
		return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
	case self:
	case u.Status != praxis.StatusActive && !access.Can(viewer, access.ManageUsers):
		return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
	case viewer == nil && !HasPublicFields(u):
		return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
	}
	return Visible(viewer, u), nil
}

// DirectoryRegions lists the regions for the directory's filter: the usual
// ones (praxis.Regions), then any other that people give. For those who may
// not see private fields, only regions shared with the network are added, so
// the list never reveals a hidden one.
func (s *Service) DirectoryRegions(ctx context.Context, viewer *praxis.User) ([]string, error) {
	if err := access.Authorize(viewer, access.ViewDirectory); err != nil {
		return nil, err
	}
	used, err := s.db.Regions(ctx, !access.Can(viewer, access.ViewPrivate))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(praxis.Regions)
	for _, r := range used {
		if !slices.Contains(praxis.Regions, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// DirectoryFilter narrows the facilitator directory.
type DirectoryFilter struct {
	Query, Region, Language, Module string
	Limit, Offset                   int
}

// Directory lists active members of the network as viewer may see them.
// Filtering on a field only matches people who share that field with the
// viewer, so a filter never reveals a hidden value.
func (s *Service) Directory(ctx context.Context, viewer *praxis.User, f DirectoryFilter) ([]*praxis.User, int64, error) {
	if err := access.Authorize(viewer, access.ViewDirectory); err != nil {
		return nil, 0, err
	}
	filter := praxis.UserFilter{Query: f.Query, Status: praxis.StatusActive, Region: f.Region, Language: f.Language,
		Module: f.Module, Limit: f.Limit, Offset: f.Offset, OnlyShared: !access.Can(viewer, access.ViewPrivate)}
	users, total, err := s.db.ListUsers(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	for i, u := range users {
		users[i] = Visible(viewer, u)
	}
	return users, total, nil
}

// Export is everything praxis holds about a person, for them to download.
type Export struct {
	ExportedAt time.Time           `json:"exported_at"`
	Profile    *praxis.User        `json:"profile"`
	Sessions   []praxis.Session    `json:"sessions"`
	Tokens     []praxis.Token      `json:"api_tokens"`
	Audit      []praxis.AuditEntry `json:"changes_to_account"`
}

// ExportData returns everything praxis holds about the person. Secrets and
// password hashes are never included.
func (s *Service) ExportData(ctx context.Context, user *praxis.User) (*Export, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return nil, err
	}
	u, err := s.db.FindUser(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	sessions, err := s.db.ListSessions(ctx, user.ID, s.now())
	if err != nil {
		return nil, err
	}
	tokens, err := s.db.ListTokens(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	audit, err := s.db.ListAudit(ctx, praxis.AuditFilter{TargetID: user.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	return &Export{ExportedAt: s.now().UTC(), Profile: u, Sessions: sessions, Tokens: tokens, Audit: audit}, nil
}

// DeleteAccount deletes a person's account at their request, after checking
// their password. Records that refer to them stay, anonymised. The last admin
// cannot delete their account.
func (s *Service) DeleteAccount(ctx context.Context, user *praxis.User, password string) error {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return err
	}
	if ok, err := s.checkPassword(ctx, user, password); err != nil {
		return err
	} else if !ok {
		return invalid("password", "that is not your password")
	}
	if user.HasRole(praxis.RoleAdmin) {
		_, admins, err := s.db.ListUsers(ctx, praxis.UserFilter{Role: praxis.RoleAdmin, Status: praxis.StatusActive, Limit: 1})
		if err != nil {
			return err
		}
		if admins <= 1 {
			return praxis.Errorf(praxis.EFORBIDDEN, "you are the only admin: make someone else an admin before deleting your account")
		}
	}
	if err := s.db.DeleteUser(ctx, user.ID); err != nil {
		return err
	}
	s.log.Info("account deleted at its owner's request", "user", user.ID)
	return nil
}
