package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// suggestForm is the editor for a new proposal, starting from main.
func (s *Server) suggestForm(c echo.Context) error {
	slug := c.Param("slug")
	v, err := s.catalog.Module(c.Request().Context(), slug, "")
	if err != nil {
		return err
	}
	file := c.QueryParam("file")
	if file == "" {
		file = module.PlanFile
	}
	content := v.Source
	if file != module.PlanFile {
		h, err := s.catalog.Handout(c.Request().Context(), slug, strings.TrimPrefix(file, module.HandoutDir+"/"), v.Commit.ID)
		if err != nil {
			return err
		}
		content = h.Content
	}
	page := editorPage{Kind: "suggest", Slug: slug, File: file, Base: v.Commit.ID,
		Action: "/modules/" + slug + "/suggest", Back: "/modules/" + slug}
	page.openFile(content, "", "")
	if id, err := strconv.ParseInt(c.QueryParam("reflection"), 10, 64); err == nil {
		d, err := s.deliveries.Reflection(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return err
		}
		page.Title = "Changes from a delivery on " + d.Date
		page.Description = reflectionQuote(d)
	}
	return s.renderEditor(c, http.StatusOK, page)
}

// reflectionQuote starts a proposal's description from a facilitator's
// reflection, quoted and attributed.
func reflectionQuote(d *praxis.Delivery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "After delivering this module on %s to %d participants, %s reflected:\n\n", d.Date, d.Participants, d.Facilitator)
	for _, part := range []struct{ label, text string }{{"What worked", d.Worked}, {"What to change", d.Change}} {
		if part.text == "" {
			continue
		}
		fmt.Fprintf(&b, "> **%s:** %s\n>\n", part.label, strings.ReplaceAll(part.text, "\n", "\n> "))
	}
	return strings.TrimSuffix(b.String(), ">\n") + "\nThis proposal changes the plan in response.\n"
}

func (s *Server) suggest(c echo.Context) error {
	slug := c.Param("slug")
	page := editorPage{Kind: "suggest", Slug: slug, File: c.FormValue("file"), Content: c.FormValue("content"), Base: c.FormValue("base"),
		Message: c.FormValue("message"), Title: c.FormValue("title"), Description: c.FormValue("description"),
		Action: "/modules/" + slug + "/suggest", Back: "/modules/" + slug}
	if c.FormValue("preview") != "" {
		return s.renderEditor(c, http.StatusOK, page)
	}
	p, err := s.review.CreateProposal(c.Request().Context(), currentUser(c), review.NewProposal{
		Module: slug, Base: page.Base, Title: page.Title, Description: page.Description, Message: page.Message,
		Edits: []review.Edit{{Path: page.File, Content: []byte(page.Content), Typed: true}},
	})
	if err == nil {
		page.Back = "/proposals/" + strconv.FormatInt(p.ID, 10)
	}
	return s.saveResult(c, page, err, "Your suggestion is open as a proposal. Maintainers will review it.")
}

type proposalsPage struct {
	Proposals      []*praxis.Proposal
	Total          int64
	Status, Module string
	Author         string
	Listing        *catalog.Listing
	Pager          pager
}

const proposalsPageSize = 30

func (s *Server) listProposals(c echo.Context) error {
	ctx := c.Request().Context()
	status := c.QueryParam("status")
	if status == "" && !c.QueryParams().Has("status") {
		status = praxis.ProposalOpen
	}
	pages := newPager(c, proposalsPageSize, "Pages of proposals")
	filter := praxis.ProposalFilter{Status: status, Module: c.QueryParam("module"), Limit: pages.Size, Offset: pages.Offset()}
	if a := c.QueryParam("author"); a != "" {
		filter.AuthorID = int64(atoiOr(a, -1))
	}
	props, total, err := s.review.Proposals(ctx, filter)
	if err != nil {
		return err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	pages.of(int(total))
	data := proposalsPage{Proposals: props, Total: total, Status: status, Module: filter.Module, Author: c.QueryParam("author"),
		Listing: listing, Pager: pages}
	return s.render(c, http.StatusOK, "proposals", view{Title: "Proposals", Section: "proposals", Data: data})
}

type proposalPage struct {
	*review.ProposalView
	Listing   *catalog.Listing
	IsAuthor  bool
	CanReview bool
	CanMerge  bool
	// Since is what changed after the version the person saw: the one their
	// review or merge was for, or ?since= in the address.
	Since *review.Since
	// LineComments groups comments on lines by file and line.
	LineComments map[string][]praxis.Comment
	// CommitLines are the proposal's commits with the account responsible
	// for each (a git author can be anyone).
	CommitLines []history.Entry
	Form        form
}

func (s *Server) showProposal(c echo.Context) error {
	return s.renderProposal(c, http.StatusOK, form{Errors: map[string]string{}}, c.QueryParam("since"))
}

func (s *Server) renderProposal(c echo.Context, status int, f form, since string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := s.review.Proposal(ctx, id)
	if err != nil {
		return err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	u := currentUser(c)
	page := proposalPage{ProposalView: v, Listing: listing, Form: f, LineComments: map[string][]praxis.Comment{},
		IsAuthor: u != nil && u.ID == v.AuthorID, CanReview: access.Can(u, access.ReviewProposal), CanMerge: access.Can(u, access.MergeProposal)}
	if page.CommitLines, err = s.history.Attributed(ctx, v.Commits); err != nil {
		return err
	}
	if page.Since, err = s.review.ChangesSince(ctx, v, since); err != nil {
		return err
	}
	for _, cm := range v.Comments {
		if cm.Path != "" {
			key := fmt.Sprintf("%s:%d", cm.Path, cm.Line)
			page.LineComments[key] = append(page.LineComments[key], cm)
		}
	}
	return s.render(c, status, "proposal", view{Title: fmt.Sprintf("#%d %s", v.ID, v.Title), Section: "proposals", Data: page})
}

// proposalAct runs one action on a proposal from its page: back to the page
// with a message, or the page with what went wrong.
func (s *Server) proposalAct(c echo.Context, done string, act func(id int64) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if actErr := act(id); actErr != nil {
		f := newForm(c)
		status, err := f.fail(actErr)
		if err != nil {
			return err
		}
		var conflicts interface{ ConflictList() []praxis.MergeConflict }
		if errors.As(actErr, &conflicts) && len(conflicts.ConflictList()) > 0 {
			var paths []string
			for _, cf := range conflicts.ConflictList() {
				paths = append(paths, cf.Path)
			}
			f.Error += " Conflicting: " + strings.Join(paths, ", ") + "."
		}
		// The proposal moved on from the version the form was for: show
		// what changed since.
		since := ""
		var changed *review.ChangedError
		if errors.As(actErr, &changed) {
			since = f.Value("head")
		}
		return s.renderProposal(c, status, f, since)
	}
	s.setFlash(c, done)
	return c.Redirect(http.StatusSeeOther, "/proposals/"+strconv.FormatInt(id, 10))
}

func (s *Server) commentProposal(c echo.Context) error {
	return s.proposalAct(c, "Comment added.", func(id int64) error {
		_, err := s.review.Comment(c.Request().Context(), currentUser(c), id, c.FormValue("body"), c.FormValue("path"), atoiOr(c.FormValue("line"), 0))
		return err
	})
}

func (s *Server) reviewProposal(c echo.Context) error {
	verdict := c.FormValue("verdict")
	done := map[string]string{praxis.VerdictApprove: "Approved.", praxis.VerdictRequestChanges: "Changes requested.", praxis.VerdictComment: "Review added."}[verdict]
	return s.proposalAct(c, done, func(id int64) error {
		_, err := s.review.Review(c.Request().Context(), currentUser(c), id, verdict, c.FormValue("body"), c.FormValue("head"))
		return err
	})
}

func (s *Server) mergeProposal(c echo.Context) error {
	return s.proposalAct(c, "Merged into the curriculum. Thank you to everyone who worked on it.", func(id int64) error {
		_, err := s.review.Merge(c.Request().Context(), currentUser(c), id, c.FormValue("head"))
		return err
	})
}

func (s *Server) closeProposal(c echo.Context) error {
	return s.proposalAct(c, "Closed.", func(id int64) error {
		_, err := s.review.SetStatus(c.Request().Context(), currentUser(c), id, praxis.ProposalClosed)
		return err
	})
}

func (s *Server) reopenProposal(c echo.Context) error {
	return s.proposalAct(c, "Reopened.", func(id int64) error {
		_, err := s.review.SetStatus(c.Request().Context(), currentUser(c), id, praxis.ProposalOpen)
		return err
	})
}

func (s *Server) editProposalText(c echo.Context) error {
	return s.proposalAct(c, "Saved.", func(id int64) error {
		return s.review.UpdateProposalText(c.Request().Context(), currentUser(c), id, c.FormValue("title"), c.FormValue("description"))
	})
}

func (s *Server) proposalEditor(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.review.Proposal(ctx, id)
	if err != nil {
		return err
	}
	if u := currentUser(c); u.ID != p.AuthorID {
		return praxis.Errorf(praxis.EFORBIDDEN, "only the author of a proposal can change it; comment instead")
	}
	slug := c.QueryParam("module")
	if slug == "" && len(p.Modules) > 0 {
		slug = p.Modules[0]
	}
	file := c.QueryParam("file")
	if file == "" {
		file = module.PlanFile
	}
	content, head, err := s.review.ProposalFile(ctx, id, slug, file)
	if err != nil && (praxis.ErrorCode(err) != praxis.ENOTFOUND || c.QueryParam("new") == "") {
		return err
	}
	if head == "" {
		head = p.Head
	}
	back := "/proposals/" + strconv.FormatInt(id, 10)
	page := editorPage{Kind: "proposal", ID: id, Slug: slug, File: file, Base: head, Action: back + "/edit", Back: back}
	page.openFile(content, back+"/files", back+"/files/delete")
	return s.renderEditor(c, http.StatusOK, page)
}

func (s *Server) saveProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := "/proposals/" + strconv.FormatInt(id, 10)
	page := editorPage{Kind: "proposal", ID: id, Slug: c.FormValue("slug"), File: c.FormValue("file"), Content: c.FormValue("content"),
		Base: c.FormValue("base"), Message: c.FormValue("message"), Action: back + "/edit", Back: back}
	if !module.ValidSlug(page.Slug) {
		return praxis.Errorf(praxis.EINVALID, "unknown module")
	}
	if c.FormValue("preview") != "" {
		return s.renderEditor(c, http.StatusOK, page)
	}
	_, err = s.review.EditProposal(c.Request().Context(), currentUser(c), id, page.Slug, page.Base, []review.Edit{{Path: page.File, Content: []byte(page.Content), Typed: true}}, page.Message)
	return s.saveResult(c, page, err, "Saved to the proposal.")
}

func (s *Server) addProposalFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := "/proposals/" + strconv.FormatInt(id, 10)
	name, data, err := readUpload(c)
	if err == nil {
		_, err = s.review.EditProposal(c.Request().Context(), currentUser(c), id, c.FormValue("slug"), c.FormValue("base"),
			[]review.Edit{{Path: module.HandoutDir + "/" + name, Content: data}}, "Add handout "+name)
	}
	return s.afterFileChange(c, back, err, "Handout added.")
}

func (s *Server) deleteProposalFile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	file := c.FormValue("file")
	_, err = s.review.EditProposal(c.Request().Context(), currentUser(c), id, c.FormValue("slug"), c.FormValue("base"),
		[]review.Edit{{Path: file, Delete: true}}, "Remove "+file)
	return s.afterFileChange(c, "/proposals/"+strconv.FormatInt(id, 10), err, "Removed "+file+".")
}

func (s *Server) updateProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := "/proposals/" + strconv.FormatInt(id, 10)
	return s.updateTarget(c, review.Target{ProposalID: id}, back, back+"/resolve")
}

func (s *Server) resolveProposal(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	back := "/proposals/" + strconv.FormatInt(id, 10)
	return s.resolveTarget(c, review.Target{ProposalID: id}, back, back+"/resolve")
}

// wordDiffHTML is a word diff as HTML: insertions in <ins>, deletions in <del>,
// one <p> per paragraph. Only changed paragraphs and one on either side are
// shown; runs of unchanged ones collapse to a note.
func wordDiffHTML(segments []diff.Segment) string {
	type paragraph struct {
		html    strings.Builder
		changed bool
	}
	paras := []*paragraph{{}}
	for _, seg := range segments {
		parts := strings.Split(seg.Text, "\n\n")
		for i, part := range parts {
			if i > 0 {
				paras = append(paras, &paragraph{})
			}
			if part == "" {
				continue
			}
			cur := paras[len(paras)-1]
			text := strings.ReplaceAll(html.EscapeString(part), "\n", "<br>")
			switch seg.Op {
			case diff.Insert:
				cur.html.WriteString("<ins>" + text + "</ins>")
				cur.changed = true
			case diff.Delete:
				cur.html.WriteString("<del>" + text + "</del>")
				cur.changed = true
			default:
				cur.html.WriteString(text)
			}
		}
	}
	show := make([]bool, len(paras))
	for i, p := range paras {
		if p.changed {
			for j := max(0, i-1); j <= min(len(paras)-1, i+1); j++ {
				show[j] = true
			}
		}
	}
	var b strings.Builder
	skipped := 0
	flush := func() {
		if skipped > 0 {
			fmt.Fprintf(&b, "<p class=\"diff-skip\">… %d unchanged %s …</p>", skipped, plural(skipped, "paragraph", "paragraphs"))
			skipped = 0
		}
	}
	for i, p := range paras {
		if !show[i] {
			if p.html.Len() > 0 {
				skipped++
			}
			continue
		}
		flush()
		if p.html.Len() > 0 {
			b.WriteString("<p>" + p.html.String() + "</p>")
		}
	}
	flush()
	return b.String()
}

// diffLines reads a unified diff into its lines, numbered by their place in
// the new file for line comments (diff.ParseUnified).
func diffLines(unified string) []diff.Line { return diff.ParseUnified(unified) }
