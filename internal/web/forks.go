package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// forkModule makes (or finds) the person's own copy of a module.
func (s *Server) forkModule(c echo.Context) error {
	fork, _, err := s.review.CreateFork(c.Request().Context(), currentUser(c), c.Param("slug"))
	var exists *review.ExistsError
	if errors.As(err, &exists) {
		s.setFlash(c, "You already have your own copy of this module: here it is.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/forks/%d", exists.ForkID))
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "This is your own copy of the module. Edit it for your group; the curriculum is not changed.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/forks/%d", fork.ID))
}

type forkPage struct {
	modulePage
	Fork   *review.ForkView
	Owner  bool
	Update *review.Update
}

func (s *Server) showFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fork, err := s.review.Fork(ctx, id)
	if err != nil {
		return err
	}
	v, err := s.catalog.Module(ctx, fork.Module, fork.Head)
	if err != nil {
		return err
	}
	page := forkPage{modulePage: s.modulePageOf(v), Fork: fork}
	page.Rev = fork.Head
	if u := currentUser(c); u != nil && u.ID == fork.UserID {
		page.Owner = true
	}
	title := v.Module.Title
	if !v.Parsed {
		title = v.Module.Slug
	}
	return s.render(c, http.StatusOK, "fork", view{Title: title + " (adapted copy)", Section: "modules", Data: page})
}

// editorPage is the editor for one file of a module on a branch.
type editorPage struct {
	// Kind is "fork", "proposal" or "suggest".
	Kind     string
	ID       int64
	Slug     string
	Module   string // title
	File     string
	Content  string
	Base     string
	Message  string
	Files    []string
	Problems []praxis.Problem
	Error    string
	Preview  string
	Action   string
	Back     string
	// For a new suggestion: the proposal's title and description.
	Title, Description string
	// Binary says the file cannot be edited in a text box
	// (review.TextEditable): the page offers to download, replace or
	// remove it instead.
	Binary bool
	// Size is the binary file's size in bytes; Download its address;
	// Handout its name in handouts/, for a replacement.
	Size              int64
	Download, Handout string
	// Replace is where a replacement is uploaded, and Remove where it is
	// deleted; empty where that cannot be done.
	Replace, Remove string
}

// openFile puts a file's content in the editor: in the text box when it can
// go through one unchanged, otherwise as a file to download, replace or
// remove (replace and remove are the addresses for those, or "").
func (page *editorPage) openFile(content []byte, replace, remove string) {
	if review.TextEditable(content) {
		page.Content = review.ForTextBox(content)
		return
	}
	page.Binary, page.Size = true, int64(len(content))
	page.Download = "/modules/" + page.Slug + "/plan.md?rev=" + page.Base
	if name, ok := strings.CutPrefix(page.File, module.HandoutDir+"/"); ok {
		page.Download = "/modules/" + page.Slug + "/handouts/" + name + "?rev=" + page.Base
		page.Handout, page.Replace, page.Remove = name, replace, remove
	}
}

// moduleFiles lists the files of a module at a revision, module.md first.
func (s *Server) moduleFiles(c echo.Context, slug, rev string) ([]string, string, error) {
	v, err := s.catalog.Module(c.Request().Context(), slug, rev)
	if err != nil {
		return nil, "", err
	}
	files := []string{module.PlanFile}
	for _, h := range v.Handouts {
		files = append(files, module.HandoutDir+"/"+h.Name)
	}
	title := v.Module.Title
	if title == "" {
		title = slug
	}
	return files, title, nil
}

func (s *Server) renderEditor(c echo.Context, status int, page editorPage) error {
	files, title, err := s.moduleFiles(c, page.Slug, page.Base)
	if err != nil {
		return err
	}
	page.Files, page.Module = files, title
	if !page.Binary && (c.FormValue("preview") != "" || page.Preview == "" && strings.HasSuffix(page.File, ".md")) {
		page.Preview = s.previewHTML(page.Slug, page.File, page.Content)
	}
	return s.render(c, status, "editor", view{Title: "Editing " + page.File + " of " + title, Section: "modules", Data: page})
}

// previewHTML renders a draft as the module page would show it.
func (s *Server) previewHTML(slug, file, content string) string {
	if !strings.HasSuffix(strings.ToLower(file), ".md") {
		return ""
	}
	body := content
	if file == module.PlanFile {
		if doc, _ := module.Parse(file, slug, []byte(content)); doc != nil {
			body = doc.Module.Body
		}
	}
	base := "/modules/" + slug + "/"
	if dir := path.Dir(file); dir != "." {
		base += dir + "/"
	}
	return module.Render(body, module.RenderOptions{LinkBase: base}).HTML
}

// preview answers the editor's live preview (htmx) with rendered HTML.
func (s *Server) preview(c echo.Context) error {
	slug, file := c.FormValue("slug"), c.FormValue("file")
	if !module.ValidSlug(slug) {
		return praxis.Errorf(praxis.EINVALID, "unknown module")
	}
	content := c.FormValue("content")
	if len(content) > review.MaxFileSize {
		return praxis.Errorf(praxis.ETOOLARGE, "the draft is too large to preview")
	}
	return c.HTML(http.StatusOK, s.previewHTML(slug, file, content))
}

func (s *Server) forkEditor(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	file := c.QueryParam("file")
	if file == "" {
		file = module.PlanFile
	}
	fork, err := s.review.Fork(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if u := currentUser(c); u.ID != fork.UserID {
		return praxis.Errorf(praxis.EFORBIDDEN, "this copy belongs to someone else; adapt the module to make your own")
	}
	content, head, err := s.review.ForkFile(c.Request().Context(), id, file)
	if err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
		return err
	}
	if err != nil && c.QueryParam("new") == "" {
		return err
	}
	if head == "" {
		head = fork.Head
	}
	page := editorPage{Kind: "fork", ID: id, Slug: fork.Module, File: file, Base: head,
		Action: fmt.Sprintf("/forks/%d/edit", id), Back: fmt.Sprintf("/forks/%d", id)}
	page.openFile(content, fmt.Sprintf("/forks/%d/files", id), fmt.Sprintf("/forks/%d/files/delete", id))
	return s.renderEditor(c, http.StatusOK, page)
}

// saveResult handles what a save returned: back to the page on success, the
// editor with the problems beside the draft when the module is invalid, and
// both versions side by side when someone saved first.
func (s *Server) saveResult(c echo.Context, page editorPage, err error, done string) error {
	var problems *review.ProblemsError
	var stale *review.StaleError
	switch {
	case err == nil:
		s.setFlash(c, done)
		return c.Redirect(http.StatusSeeOther, page.Back)
	case errors.As(err, &problems):
		page.Problems = problems.Problems
		page.Error = "Not saved: the module has problems. Your draft is below; fix the problems and save again."
		return s.renderEditor(c, http.StatusUnprocessableEntity, page)
	case errors.As(err, &stale):
		return s.renderStale(c, page, stale.Head)
	}
	status, msg, err := pageFailure(err)
	if err != nil {
		return err
	}
	page.Error = "Not saved: " + msg
	return s.renderEditor(c, status, page)
}

type stalePage struct {
	Editor  editorPage
	Theirs  string
	Head    string
	Unified string
}

// renderStale shows a stale save: the newer saved version and the person's
// draft, so that nothing is lost, with a way to continue from the newer one.
func (s *Server) renderStale(c echo.Context, page editorPage, head string) error {
	var theirs []byte
	var err error
	switch page.Kind {
	case "fork":
		theirs, _, err = s.review.ForkFile(c.Request().Context(), page.ID, page.File)
	case "proposal":
		theirs, _, err = s.review.ProposalFile(c.Request().Context(), page.ID, page.Slug, page.File)
	}
	if err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
		return err
	}
	saved := "(not a text file)"
	if review.TextEditable(theirs) {
		saved = review.ForTextBox(theirs)
	}
	data := stalePage{Editor: page, Theirs: saved, Head: head,
		Unified: diff.Unified("saved version", "your draft", strings.ReplaceAll(saved, "\r\n", "\n"), strings.ReplaceAll(page.Content, "\r\n", "\n"), 3)}
	data.Editor.Base = head
	return s.render(c, http.StatusConflict, "stale", view{Title: "Someone saved first", Section: "modules", Data: data})
}

func (s *Server) saveFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	fork, err := s.review.Fork(c.Request().Context(), id)
	if err != nil {
		return err
	}
	page := editorPage{Kind: "fork", ID: id, Slug: fork.Module, File: c.FormValue("file"), Content: c.FormValue("content"),
		Base: c.FormValue("base"), Message: c.FormValue("message"), Action: fmt.Sprintf("/forks/%d/edit", id), Back: fmt.Sprintf("/forks/%d", id)}
	if c.FormValue("preview") != "" {
		return s.renderEditor(c, http.StatusOK, page)
	}
	_, err = s.review.EditFork(c.Request().Context(), currentUser(c), id, page.Base, []review.Edit{{Path: page.File, Content: []byte(page.Content), Typed: true}}, page.Message)
	return s.saveResult(c, page, err, "Saved.")
}

// readUpload reads a new handout from a form: an uploaded file, or a name and
// text typed in.
func readUpload(c echo.Context) (string, []byte, error) {
	if fh, err := c.FormFile("upload"); err == nil && fh.Size > 0 {
		if fh.Size > review.MaxFileSize {
			return "", nil, praxis.Errorf(praxis.ETOOLARGE, "the file is larger than 5 MB")
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, review.MaxFileSize+1))
		if err != nil {
			return "", nil, err
		}
		name := c.FormValue("name")
		if name == "" {
			name = path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
		}
		return name, data, nil
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" {
		return "", nil, praxis.Errorf(praxis.EINVALID, "give the handout a file name, such as role-cards.md")
	}
	return name, []byte(c.FormValue("content")), nil
}

func (s *Server) addForkFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	name, data, err := readUpload(c)
	if err == nil {
		_, err = s.review.EditFork(c.Request().Context(), currentUser(c), id, c.FormValue("base"),
			[]review.Edit{{Path: module.HandoutDir + "/" + name, Content: data}}, "Add handout "+name)
	}
	return s.afterFileChange(c, fmt.Sprintf("/forks/%d", id), err, "Handout added.")
}

func (s *Server) deleteForkFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	file := c.FormValue("file")
	_, err = s.review.EditFork(c.Request().Context(), currentUser(c), id, c.FormValue("base"),
		[]review.Edit{{Path: file, Delete: true}}, "Remove "+file)
	return s.afterFileChange(c, fmt.Sprintf("/forks/%d", id), err, "Removed "+file+".")
}

// afterFileChange returns to the page with a message, the error's message, or
// the lint problems that refused the change.
func (s *Server) afterFileChange(c echo.Context, back string, err error, done string) error {
	var problems *review.ProblemsError
	switch {
	case err == nil:
		s.setFlash(c, done)
	case errors.As(err, &problems):
		msgs := make([]string, 0, len(problems.Problems))
		for _, p := range problems.Problems {
			msgs = append(msgs, p.Message)
		}
		s.setFlash(c, "Not changed: "+strings.Join(msgs, "; "))
	default:
		if status, _ := classify(err); status >= 500 {
			return err
		}
		s.setFlash(c, "Not changed: "+praxis.ErrorMessage(err))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

type resolvePage struct {
	Kind   string
	ID     int64
	Update *review.Update
	Action string
	Back   string
	Error  string
}

// updateTarget brings a fork or proposal up to date with main, or shows what to
// resolve.
func (s *Server) updateTarget(c echo.Context, t review.Target, back, action string) error {
	up, err := s.review.UpdateFromMain(c.Request().Context(), currentUser(c), t)
	if err != nil {
		return s.afterFileChange(c, back, err, "")
	}
	switch {
	case up.UpToDate:
		s.setFlash(c, "Already up to date with the curriculum.")
	case len(up.Conflicts) == 0:
		s.setFlash(c, "Updated: the latest changes to the curriculum are in, and your changes are kept.")
	default:
		kind := "fork"
		if t.ProposalID != 0 {
			kind = "proposal"
		}
		return s.render(c, http.StatusConflict, "resolve", view{Title: "Resolve the update", Section: "modules",
			Data: resolvePage{Kind: kind, ID: t.ForkID + t.ProposalID, Update: up, Action: action, Back: back}})
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// resolveTarget commits an update with the person's resolutions.
func (s *Server) resolveTarget(c echo.Context, t review.Target, back, action string) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return praxis.Errorf(praxis.EMALFORMED, "the form cannot be read")
	}
	resolutions := map[string]review.Resolution{}
	for _, p := range form["path"] {
		switch keep := form.Get("keep:" + p); keep {
		case "delete":
			resolutions[p] = review.Resolution{Delete: true}
		case "yours", "main":
			resolutions[p] = review.Resolution{Keep: keep}
		default:
			resolutions[p] = review.Resolution{Content: []byte(form.Get("content:" + p))}
		}
	}
	_, err = s.review.ResolveUpdate(ctx, currentUser(c), t, form.Get("head"), form.Get("main"), resolutions)
	if err == nil {
		s.setFlash(c, "Updated, with your resolution of the conflicts.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	status, _ := classify(err)
	if status >= 500 {
		return err
	}
	// Show the resolution page again, with what was typed kept.
	up, uerr := s.review.UpdateFromMain(ctx, currentUser(c), t)
	if uerr != nil {
		return s.afterFileChange(c, back, err, "")
	}
	for i, f := range up.Files {
		if v := form.Get("content:" + f.Path); v != "" {
			up.Files[i].Merged = v
		}
	}
	kind := "fork"
	if t.ProposalID != 0 {
		kind = "proposal"
	}
	msg := praxis.ErrorMessage(err)
	var problems *review.ProblemsError
	if errors.As(err, &problems) {
		parts := []string{}
		for _, p := range problems.Problems {
			parts = append(parts, p.String())
		}
		msg = "The result has problems: " + strings.Join(parts, "; ")
	}
	return s.render(c, status, "resolve", view{Title: "Resolve the update", Section: "modules",
		Data: resolvePage{Kind: kind, ID: t.ForkID + t.ProposalID, Update: up, Action: action, Back: back, Error: msg}})
}

func (s *Server) updateFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.updateTarget(c, review.Target{ForkID: id}, fmt.Sprintf("/forks/%d", id), fmt.Sprintf("/forks/%d/resolve", id))
}

func (s *Server) resolveFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.resolveTarget(c, review.Target{ForkID: id}, fmt.Sprintf("/forks/%d", id), fmt.Sprintf("/forks/%d/resolve", id))
}

type proposeForm struct {
	Fork        *review.ForkView
	Title       string
	Description string
	Error       string
}

func (s *Server) proposeFromForkForm(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	fork, err := s.review.Fork(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "propose", view{Title: "Propose your changes", Section: "modules", Data: proposeForm{Fork: fork}})
}

func (s *Server) proposeFromFork(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	title, description := c.FormValue("title"), c.FormValue("description")
	p, err := s.review.CreateProposal(c.Request().Context(), currentUser(c), review.NewProposal{ForkID: id, Title: title, Description: description})
	if err != nil {
		status, msg, err := pageFailure(err)
		if err != nil {
			return err
		}
		fork, ferr := s.review.Fork(c.Request().Context(), id)
		if ferr != nil {
			return ferr
		}
		return s.render(c, status, "propose", view{Title: "Propose your changes", Section: "modules",
			Data: proposeForm{Fork: fork, Title: title, Description: description, Error: msg}})
	}
	s.setFlash(c, "Your proposal is open. Maintainers will review it; you can keep editing it meanwhile.")
	return c.Redirect(http.StatusSeeOther, "/proposals/"+strconv.FormatInt(p.ID, 10))
}

// modulePageOf builds the module page data from a module view.
func (s *Server) modulePageOf(v *catalog.ModuleView) modulePage {
	page := modulePage{ModuleView: v}
	start := 0
	for i, item := range v.Module.Agenda {
		row := agendaRow{Title: item.Title, Minutes: item.Minutes, Start: start}
		if i < len(v.AgendaAnchors) {
			row.Anchor = v.AgendaAnchors[i]
		}
		page.Agenda = append(page.Agenda, row)
		start += item.Minutes
	}
	for _, h := range v.Headings {
		if h.Level == 2 && h.ID != "" {
			page.Contents = append(page.Contents, h)
		}
	}
	return page
}
