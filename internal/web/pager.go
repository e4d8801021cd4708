package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
)

// pager is one page of a list that pages with ?page=: which page it is, how
// many there are, and links to the pages before and after it that keep every
// other parameter of the address (the list's filters). Page data embeds it,
// and the "pager" template draws it.
type pager struct {
	// Page counts from 1; Pages is 0 while the total is unknown.
	Page, Pages int
	// Size is how many items a page holds.
	Size             int
	PrevURL, NextURL string
	// Label names the pages for screen readers ("Pages of deliveries").
	Label string
	// at is the address asked for, which the links copy.
	at *url.URL
}

// newPager reads ?page= (pageNumber) for a list of size items a page.
func newPager(c echo.Context, size int, label string) pager {
	return pager{Page: pageNumber(c), Size: size, Label: label, at: c.Request().URL}
}

// Offset is how many items come before the page.
func (p pager) Offset() int { return (p.Page - 1) * p.Size }

// of sets the number of pages from the number of items, at least one, and
// the links; a page past the last stays as asked (it lists nothing).
func (p *pager) of(total int) {
	p.Pages = max(1, (total+p.Size-1)/p.Size)
	p.link(p.Page < p.Pages)
}

// clamp keeps the page within the list's pages (for a list that is all in
// memory, where a page past the last shows the last).
func (p *pager) clamp(total int) {
	p.Pages = max(1, (total+p.Size-1)/p.Size)
	p.Page = min(p.Page, p.Pages)
	p.link(p.Page < p.Pages)
}

// more sets the links of a list whose total is unknown: more says whether
// there is a page after this one.
func (p *pager) more(more bool) { p.link(more) }

func (p *pager) link(next bool) {
	p.PrevURL, p.NextURL = "", ""
	if p.Page > 1 {
		p.PrevURL = p.pageURL(p.Page - 1)
	}
	if next {
		p.NextURL = p.pageURL(p.Page + 1)
	}
}

// pageURL is the address asked for at page n.
func (p *pager) pageURL(n int) string {
	q := p.at.Query()
	q.Set("page", strconv.Itoa(n))
	return p.at.Path + "?" + q.Encode()
}
