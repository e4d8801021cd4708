package web

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

type apiFork struct {
	ID     int64  `json:"id"`
	Module string `json:"module"`
	Branch string `json:"branch"`
	Head   string `json:"head"`
	Ahead  *int   `json:"ahead,omitempty"`
	Behind *int   `json:"behind,omitempty"`
	UserID int64  `json:"user_id"`
}

func (s *Server) apiCreateFork(c echo.Context) error {
	fork, head, err := s.review.CreateFork(c.Request().Context(), currentUser(c), c.Param("slug"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiFork{ID: fork.ID, Module: fork.Module, Branch: fork.Branch, Head: head, UserID: fork.UserID})
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
	return c.JSON(http.StatusOK, apiFork{ID: f.ID, Module: f.Module, Branch: f.Branch, Head: f.Head, Ahead: &f.Ahead, Behind: &f.Behind, UserID: f.UserID})
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

// fileEdit reads a file edit from a request: PUT with a JSON body, DELETE with
// base and message in the query string or body.
func fileEdit(c echo.Context) (review.Edit, fileBody, error) {
	var body fileBody
	filePath := c.Param("*")
	if c.Request().Method == http.MethodDelete {
		body.Base, body.Message, body.Module = c.QueryParam("base"), c.QueryParam("message"), c.QueryParam("module")
		if c.Request().ContentLength > 0 {
			if err := decodeJSON(c, &body); err != nil {
				return review.Edit{}, body, err
			}
		}
		return review.Edit{Path: filePath, Delete: true}, body, nil
	}
	if err := decodeJSONLimit(c, &body, uploadLimitBytes); err != nil {
		return review.Edit{}, body, err
	}
	content, err := body.bytes()
	if err != nil {
		return review.Edit{}, body, err
	}
	return review.Edit{Path: filePath, Content: content}, body, nil
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
	head, err := s.review.EditFork(c.Request().Context(), currentUser(c), id, body.Base, []review.Edit{edit}, body.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"head": head})
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
	up, err := s.review.UpdateFromMain(c.Request().Context(), currentUser(c), t)
	if err != nil {
		return err
	}
	conflicts := up.Conflicts
	if conflicts == nil {
		conflicts = []praxis.MergeConflict{}
	}
	status := http.StatusOK
	if len(conflicts) > 0 {
		status = http.StatusConflict
	}
	return c.JSON(status, map[string]any{"head": up.Head, "main": up.Main, "up_to_date": up.UpToDate, "conflicts": conflicts})
}

// proposalBody is the body of POST /api/v1/proposals.
type proposalBody struct {
	ForkID      int64  `json:"fork_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Module      string `json:"module"`
	Base        string `json:"base"`
	Message     string `json:"message"`
	MoveTo      string `json:"move_to"`
	Copy        bool   `json:"copy"`
	Changes     []struct {
		Path     string `json:"path"`
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
		Delete   bool   `json:"delete"`
	} `json:"changes"`
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
		req.Edits = append(req.Edits, review.Edit{Path: ch.Path, Content: content, Delete: ch.Delete})
	}
	if body.ForkID == 0 && len(req.Edits) == 0 && body.MoveTo == "" && !body.Copy {
		return praxis.Errorf(praxis.EINVALID, "a proposal needs fork_id, or module with changes, or module with move_to")
	}
	p, err := s.review.CreateProposal(c.Request().Context(), currentUser(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiProposalSummary(p))
}

func apiProposalSummary(p *praxis.Proposal) map[string]any {
	modules := p.Modules
	if modules == nil {
		modules = []string{}
	}
	return map[string]any{"id": p.ID, "title": p.Title, "description": p.Description, "status": p.Status, "author": p.Author,
		"author_id": p.AuthorID, "branch": p.Branch, "base": p.Base, "head": p.Head, "modules": modules,
		"created_at": p.CreatedAt, "updated_at": p.UpdatedAt, "merge_commit": p.MergeCommit}
}

func (s *Server) apiListProposals(c echo.Context) error {
	filter := praxis.ProposalFilter{Status: c.QueryParam("status"), Module: c.QueryParam("module"),
		Limit: atoiOr(c.QueryParam("limit"), 50), Offset: atoiOr(c.QueryParam("offset"), 0)}
	if a := c.QueryParam("author"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return praxis.Errorf(praxis.EINVALID, "author is a user id")
		}
		filter.AuthorID = id
	}
	props, total, err := s.review.Proposals(c.Request().Context(), filter)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(props))
	for i, p := range props {
		out[i] = apiProposalSummary(p)
	}
	return c.JSON(http.StatusOK, map[string]any{"proposals": out, "total": total})
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
	body := apiProposalSummary(v.Proposal)
	var unified strings.Builder
	files := make([]map[string]any, len(v.Files))
	for i, f := range v.Files {
		files[i] = map[string]any{"path": f.Path, "status": f.Status, "binary": f.Binary, "unified": f.Unified, "size": f.Size, "too_large": f.TooLarge}
		if f.MovedFrom != "" {
			files[i]["moved_from"] = f.MovedFrom
		}
		unified.WriteString(f.Unified)
	}
	conflicts := v.Conflicts
	if conflicts == nil {
		conflicts = []praxis.MergeConflict{}
	}
	body["head"] = v.Head
	body["mergeable"] = v.Mergeable
	body["approved"] = v.Approved
	body["approvals"] = v.Approval.Approvals
	body["approvals_required"] = v.Approval.Required
	body["changes_requested"] = nonNil(v.Approval.ChangesRequested)
	body["behind"] = v.Behind
	body["conflicts"] = conflicts
	body["lint"] = nonNil(v.Lint.All)
	body["lint_introduced"] = nonNil(v.Lint.Introduced)
	body["diff"] = unified.String()
	body["files"] = files
	body["comments"] = nonNil(v.Comments)
	body["reviews"] = nonNil(v.Reviews)
	body["pruned"] = v.Pruned
	return c.JSON(http.StatusOK, body)
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
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
	return c.JSON(http.StatusOK, map[string]string{"head": head})
}

func (s *Server) apiComment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Body string `json:"body"`
		Path string `json:"path"`
		Line int    `json:"line"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	cm, err := s.review.Comment(c.Request().Context(), currentUser(c), id, body.Body, body.Path, body.Line)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cm)
}

func (s *Server) apiReview(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Verdict string `json:"verdict"`
		Body    string `json:"body"`
		// Head is the version reviewed; a proposal that has moved on is 409.
		Head string `json:"head"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	r, err := s.review.Review(c.Request().Context(), currentUser(c), id, body.Verdict, body.Body, body.Head)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) apiMerge(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Head string `json:"head"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	commit, err := s.review.Merge(c.Request().Context(), currentUser(c), id, body.Head)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": praxis.ProposalMerged, "commit": commit})
}

func (s *Server) apiClose(c echo.Context) error  { return s.apiSetStatus(c, praxis.ProposalClosed) }
func (s *Server) apiReopen(c echo.Context) error { return s.apiSetStatus(c, praxis.ProposalOpen) }

func (s *Server) apiSetStatus(c echo.Context, status string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.review.SetStatus(c.Request().Context(), currentUser(c), id, status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiProposalSummary(p))
}
