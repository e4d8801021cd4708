package web

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// Forks and proposals speak alike: the person who made one is "author_id"
// and "author" on both (a fork also keeps "user_id", its first name); every
// "path" in a response is the file's path in the repository
// ("modules/<slug>/module.md"), and the file routes take that path as well
// as the path inside the module; a whole diff is "diff", each file's
// "unified" (docs/API.md).

// apiFork is a fork as the API gives it.
type apiFork struct {
	ID     int64  `json:"id"`
	Module string `json:"module"`
	Branch string `json:"branch"`
	Head   string `json:"head"`
	// Ahead and Behind count the commits the fork has that main lacks, and
	// the other way round.
	Ahead  int `json:"ahead"`
	Behind int `json:"behind"`
	// UserID is AuthorID under the name it had first.
	UserID    int64     `json:"user_id"`
	AuthorID  int64     `json:"author_id"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPIFork(f *praxis.Fork, author, head string, ahead, behind int) apiFork {
	return apiFork{ID: f.ID, Module: f.Module, Branch: f.Branch, Head: head, Ahead: ahead, Behind: behind,
		UserID: f.UserID, AuthorID: f.UserID, Author: author, CreatedAt: f.CreatedAt}
}

func (s *Server) apiCreateFork(c echo.Context) error {
	if err := decodeNoFields(c); err != nil {
		return err
	}
	user := currentUser(c)
	fork, head, err := s.review.CreateFork(c.Request().Context(), user, c.Param("slug"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/forks/"+itoa64(fork.ID))
	return c.JSON(http.StatusCreated, toAPIFork(fork, user.Name, head, 0, 0))
}

func (s *Server) apiShowFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f, err := s.review.Fork(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIFork(f.Fork, f.Owner, f.Head, f.Ahead, f.Behind))
}

// fileBody is the body of PUT .../files/{path}.
type fileBody struct {
	Content string `json:"content"`
	// Encoding is "base64" for binary content; otherwise the content is text.
	Encoding string `json:"encoding"`
	Base     string `json:"base"`
	Message  string `json:"message"`
	// Module says which module of a proposal the path is in (proposals only).
	Module string `json:"module"`
}

func (b fileBody) bytes() ([]byte, error) {
	switch b.Encoding {
	case "":
		return []byte(b.Content), nil
	case "base64":
		data, err := base64.StdEncoding.DecodeString(b.Content)
		if err != nil {
			return nil, praxis.Errorf(praxis.EMALFORMED, "the content is not valid base64")
		}
		return data, nil
	}
	return nil, praxis.Errorf(praxis.EMALFORMED, "encoding is empty (text) or base64")
}

// splitModulePath reads a file's path as a fork or proposal route takes it:
// inside the module ("module.md", "handouts/cards.pdf"), or as the
// repository names it ("modules/<slug>/module.md"), as responses give it. A
// module holds only module.md and handouts/, so the two never clash. It
// returns the module the path names ("" when it names none) and the path
// inside the module.
func splitModulePath(p string) (slug, inside string) {
	rest, ok := strings.CutPrefix(p, module.ModulesDir+"/")
	if !ok {
		return "", p
	}
	slug, inside, ok = strings.Cut(rest, "/")
	if !ok || inside == "" {
		return "", p
	}
	return slug, inside
}

// fileEdit reads a file edit from a request: PUT with a JSON body, DELETE with
// base and message in the query string or body. The edit's path is inside
// the module; the module the request's path names, if any, comes back in
// the body's Module.
func fileEdit(c echo.Context) (review.Edit, fileBody, error) {
	var body fileBody
	slug, filePath := splitModulePath(c.Param("*"))
	if c.Request().Method == http.MethodDelete {
		body.Base, body.Message, body.Module = c.QueryParam("base"), c.QueryParam("message"), c.QueryParam("module")
		if err := decodeOptionalJSON(c, &body, bodyLimitBytes); err != nil {
			return review.Edit{}, body, err
		}
	} else if err := decodeJSONLimit(c, &body, uploadLimitBytes); err != nil {
		return review.Edit{}, body, err
	}
	if slug != "" {
		if body.Module != "" && body.Module != slug {
			return review.Edit{}, body, praxis.Invalid("module", "the path is in module %s, not %s", slug, body.Module)
		}
		body.Module = slug
	}
	if c.Request().Method == http.MethodDelete {
		return review.Edit{Path: filePath, Delete: true}, body, nil
	}
	content, err := body.bytes()
	if err != nil {
		return review.Edit{}, body, err
	}
	return review.Edit{Path: filePath, Content: content}, body, nil
}

// apiSaved is the answer to a file saved or deleted: the branch's new head.
type apiSaved struct {
	Head string `json:"head"`
}

func (s *Server) apiForkFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	edit, body, err := fileEdit(c)
	if err != nil {
		return err
	}
	ctx, user := c.Request().Context(), currentUser(c)
	if body.Module != "" {
		fork, err := s.review.Fork(ctx, id)
		if err != nil {
			return err
		}
		if fork.Module != body.Module {
			return praxis.Invalid("module", "this copy is of module %s, not %s", fork.Module, body.Module)
		}
	}
	head, err := s.review.EditFork(ctx, user, id, body.Base, []review.Edit{edit}, body.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSaved{Head: head})
}

// apiUpdated is the answer to POST .../update: main merged into a fork or
// proposal, or the files that stop it.
type apiUpdated struct {
	// Head is the branch's head: the new merge commit, or unchanged when
	// the update conflicts.
	Head string `json:"head"`
	// Main is the commit of main merged in.
	Main      string                 `json:"main"`
	UpToDate  bool                   `json:"up_to_date"`
	Conflicts []praxis.MergeConflict `json:"conflicts"`
}

func (s *Server) apiUpdateFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.apiUpdate(c, review.Target{ForkID: id})
}

func (s *Server) apiUpdateProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.apiUpdate(c, review.Target{ProposalID: id})
}

func (s *Server) apiUpdate(c echo.Context, t review.Target) error {
	if err := decodeNoFields(c); err != nil {
		return err
	}
	up, err := s.review.UpdateFromMain(c.Request().Context(), currentUser(c), t)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(up.Conflicts) > 0 {
		status = http.StatusConflict
	}
	return c.JSON(status, apiUpdated{Head: up.Head, Main: up.Main, UpToDate: up.UpToDate, Conflicts: apiConflicts(up.Conflicts)})
}

// apiConflicts gives conflicts with [] for no lines.
func apiConflicts(list []praxis.MergeConflict) []praxis.MergeConflict {
	out := make([]praxis.MergeConflict, len(list))
	for i, c := range list {
		c.Lines = nonNil(c.Lines)
		out[i] = c
	}
	return out
}

// proposalChange is one file of a new proposal's changes.
type proposalChange struct {
	Path     string `json:"path"`
	Content  string `json:"content"`
	Encoding string `json:"encoding"`
	Delete   bool   `json:"delete"`
}

// proposalBody is the body of POST /api/v1/proposals.
type proposalBody struct {
	ForkID      int64            `json:"fork_id"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Module      string           `json:"module"`
	Base        string           `json:"base"`
	Message     string           `json:"message"`
	MoveTo      string           `json:"move_to"`
	Copy        bool             `json:"copy"`
	Changes     []proposalChange `json:"changes"`
}

func (s *Server) apiCreateProposal(c echo.Context) error {
	var body proposalBody
	if err := decodeJSONLimit(c, &body, uploadLimitBytes); err != nil {
		return err
	}
	req := review.NewProposal{ForkID: body.ForkID, Title: body.Title, Description: body.Description, Module: body.Module, Base: body.Base, Message: body.Message,
		MoveTo: body.MoveTo, Copy: body.Copy}
	for _, ch := range body.Changes {
		content, err := fileBody{Content: ch.Content, Encoding: ch.Encoding}.bytes()
		if err != nil {
			return err
		}
		slug, inside := splitModulePath(ch.Path)
		if slug != "" {
			if req.Module != "" && req.Module != slug {
				return praxis.Invalid("changes", "the change to %s is in module %s, not %s", ch.Path, slug, req.Module)
			}
			req.Module = slug
		}
		req.Edits = append(req.Edits, review.Edit{Path: inside, Content: content, Delete: ch.Delete})
	}
	if body.ForkID == 0 && len(req.Edits) == 0 && body.MoveTo == "" && !body.Copy {
		return praxis.Errorf(praxis.EINVALID, "a proposal needs fork_id, or module with changes, or module with move_to")
	}
	p, err := s.review.CreateProposal(c.Request().Context(), currentUser(c), req)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/proposals/"+itoa64(p.ID))
	return c.JSON(http.StatusCreated, toAPIProposal(p))
}

// apiProposal is a proposal in lists and in answers to changes.
type apiProposal struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Status is open, closed or merged.
	Status   string `json:"status"`
	Author   string `json:"author"`
	AuthorID int64  `json:"author_id"`
	Branch   string `json:"branch"`
	// Base is the commit of main the proposal started from; Head its
	// branch's commit.
	Base      string    `json:"base"`
	Head      string    `json:"head"`
	Modules   []string  `json:"modules"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// MergeCommit is the commit on main that merged it, "" until then.
	MergeCommit string `json:"merge_commit"`
}

func toAPIProposal(p *praxis.Proposal) apiProposal {
	return apiProposal{ID: p.ID, Title: p.Title, Description: p.Description, Status: p.Status, Author: p.Author,
		AuthorID: p.AuthorID, Branch: p.Branch, Base: p.Base, Head: p.Head, Modules: nonNil(p.Modules),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, MergeCommit: p.MergeCommit}
}

// proposalFilter reads the filter of GET /api/v1/proposals.
func proposalFilter(q *apiQuery) praxis.ProposalFilter {
	return praxis.ProposalFilter{Status: q.oneOf("status", praxis.ProposalOpen, praxis.ProposalClosed, praxis.ProposalMerged),
		Module: q.slug("module"), AuthorID: q.id("author")}
}

// apiProposalList is GET /api/v1/proposals.
type apiProposalList struct {
	Proposals []apiProposal `json:"proposals"`
	Total     int64         `json:"total"`
	Next      *string       `json:"next"`
}

func (s *Server) apiListProposals(c echo.Context) error {
	q := queryOf(c)
	filter := proposalFilter(q)
	page := q.page(proposalList)
	if err := q.Err(); err != nil {
		return err
	}
	filter.Limit, filter.Offset = page.Limit, page.Offset
	props, total, err := s.review.Proposals(c.Request().Context(), filter)
	if err != nil {
		return err
	}
	out := make([]apiProposal, len(props))
	for i, p := range props {
		out[i] = toAPIProposal(p)
	}
	return c.JSON(http.StatusOK, apiProposalList{Proposals: out, Total: total,
		Next: s.nextPage(c, page, int64(page.Offset+len(props)) < total)})
}

// apiFileDiff is one file of a diff, in proposals and comparisons alike.
type apiFileDiff struct {
	// Path is the file's path in the repository; for a moved module
	// folder, the folder's.
	Path string `json:"path"`
	// Status is added, deleted, modified or moved.
	Status string `json:"status"`
	Binary bool   `json:"binary"`
	// Unified is the file's diff in unified format.
	Unified string `json:"unified"`
	// Size is the larger of the file's two versions, in bytes; TooLarge
	// files are not compared.
	Size     int64 `json:"size"`
	TooLarge bool  `json:"too_large"`
	// MovedFrom is the folder a moved module folder came from.
	MovedFrom string `json:"moved_from,omitempty"`
}

// apiDiff gives a diff's files and the whole diff in unified format.
func apiDiff(files []review.FileDiff) ([]apiFileDiff, string) {
	var unified strings.Builder
	out := make([]apiFileDiff, len(files))
	for i, f := range files {
		out[i] = apiFileDiff{Path: f.Path, Status: f.Status, Binary: f.Binary, Unified: f.Unified, Size: f.Size,
			TooLarge: f.TooLarge, MovedFrom: f.MovedFrom}
		unified.WriteString(f.Unified)
	}
	return out, unified.String()
}

// apiProposalView is GET /api/v1/proposals/{id}: the proposal, its diff,
// review and whether it can be merged.
type apiProposalView struct {
	apiProposal
	Mergeable         bool                   `json:"mergeable"`
	Approved          bool                   `json:"approved"`
	Approvals         int                    `json:"approvals"`
	ApprovalsRequired int                    `json:"approvals_required"`
	ChangesRequested  []string               `json:"changes_requested"`
	Behind            int                    `json:"behind"`
	Conflicts         []praxis.MergeConflict `json:"conflicts"`
	// Lint is what praxis lint says of the curriculum as the merge would
	// leave it; LintIntroduced those problems main lacks.
	Lint           []praxis.Problem `json:"lint"`
	LintIntroduced []praxis.Problem `json:"lint_introduced"`
	// Diff is every file's unified diff, one after the other.
	Diff     string           `json:"diff"`
	Files    []apiFileDiff    `json:"files"`
	Comments []praxis.Comment `json:"comments"`
	Reviews  []praxis.Review  `json:"reviews"`
	// Pruned is true when a closed proposal's files were reclaimed.
	Pruned bool `json:"pruned"`
}

func (s *Server) apiShowProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.review.Proposal(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := apiProposalView{apiProposal: toAPIProposal(v.Proposal), Mergeable: v.Mergeable, Approved: v.Approved,
		Approvals: v.Approval.Approvals, ApprovalsRequired: v.Approval.Required, ChangesRequested: nonNil(v.Approval.ChangesRequested),
		Behind: v.Behind, Conflicts: apiConflicts(v.Conflicts), Lint: nonNil(v.Lint.All), LintIntroduced: nonNil(v.Lint.Introduced),
		Comments: nonNil(v.Comments), Reviews: nonNil(v.Reviews), Pruned: v.Pruned}
	out.Head = v.Head
	out.Files, out.Diff = apiDiff(v.Files)
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiProposalFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	edit, body, err := fileEdit(c)
	if err != nil {
		return err
	}
	head, err := s.review.EditProposal(c.Request().Context(), currentUser(c), id, body.Module, body.Base, []review.Edit{edit}, body.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSaved{Head: head})
}

// commentBody is the body of POST /api/v1/proposals/{id}/comments.
type commentBody struct {
	Body string `json:"body"`
	// Path and Line place the comment on a line of the diff.
	Path string `json:"path"`
	Line int    `json:"line"`
}

func (s *Server) apiComment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body commentBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	cm, err := s.review.Comment(c.Request().Context(), currentUser(c), id, body.Body, body.Path, body.Line)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cm)
}

// reviewBody is the body of POST /api/v1/proposals/{id}/reviews.
type reviewBody struct {
	Verdict string `json:"verdict"`
	Body    string `json:"body"`
	// Head is the version reviewed; a proposal that has moved on is 409.
	Head string `json:"head"`
}

func (s *Server) apiReview(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body reviewBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	r, err := s.review.Review(c.Request().Context(), currentUser(c), id, body.Verdict, body.Body, body.Head)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// mergeBody is the optional body of POST /api/v1/proposals/{id}/merge.
type mergeBody struct {
	// Head, when given, is the version the maintainer approved merging.
	Head string `json:"head"`
}

// apiMerged is the answer to a merge.
type apiMerged struct {
	Status string `json:"status"`
	// Commit is the merge commit on main.
	Commit string `json:"commit"`
}

func (s *Server) apiMerge(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body mergeBody
	if err := decodeOptionalJSON(c, &body, bodyLimitBytes); err != nil {
		return err
	}
	commit, err := s.review.Merge(c.Request().Context(), currentUser(c), id, body.Head)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiMerged{Status: praxis.ProposalMerged, Commit: commit})
}

func (s *Server) apiClose(c echo.Context) error  { return s.apiSetStatus(c, praxis.ProposalClosed) }
func (s *Server) apiReopen(c echo.Context) error { return s.apiSetStatus(c, praxis.ProposalOpen) }

func (s *Server) apiSetStatus(c echo.Context, status string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := decodeNoFields(c); err != nil {
		return err
	}
	p, err := s.review.SetStatus(c.Request().Context(), currentUser(c), id, status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIProposal(p))
}
