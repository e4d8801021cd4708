package module_test

import (
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/module"
)

func TestRenderHostileMarkdownIsInert(t *testing.T) {
	src := strings.Join([]string{
		`<script>alert(1)</script>`,
		``,
		`<img src=x onerror="alert(2)">`,
		``,
		`[click](javascript:alert(3)) and [data](data:text/html;base64,PHNjcmlwdD4=)`,
		``,
		`<iframe src="https://example.org"></iframe>`,
		``,
		`<a href="https://example.org" onclick="alert(4)">a</a>`,
		``,
		`![x](javascript:alert(5))`,
		``,
		"<style>body{display:none}</style>",
		``,
		`<svg onload="alert(6)"></svg>`,
	}, "\n")
	html := module.Render(src, module.RenderOptions{LinkBase: "/modules/m/"}).HTML
	for _, bad := range []string{"<script", "onerror", "javascript:", "<iframe", "onclick", "<style", "<svg", "onload", "data:text/html"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("Render output contains %q:\n%s", bad, html)
		}
	}
}

func TestRenderPlan(t *testing.T) {
	src := strings.Join([]string{
		"## Welcome and agreements (15 min)",
		"",
		`> **Say:** "Welcome, everyone."`,
		"",
		"> **Facilitator note:** Watch the time.",
		"",
		"> An ordinary quote.",
		"",
		"See [the worksheet](handouts/journey.md) and [the map](./handouts/map.png#top) and [the web](https://example.org/x) and [a section](#welcome).",
		"",
		"| Time | Activity |",
		"| ---: | :--- |",
		"| 10 | Go-round |",
		"",
		"## Welcome and agreements (15 min)",
	}, "\n")
	r := module.Render(src, module.RenderOptions{LinkBase: "/modules/m/", LinkQuery: "rev=abc"})
	html := r.HTML
	for _, want := range []string{
		`<h2 id="welcome-and-agreements-15-min">`,
		`<h2 id="welcome-and-agreements-15-min-1">`,
		`<blockquote class="say">`,
		`<blockquote class="facilitator-note">`,
		"<blockquote>\n<p>An ordinary quote.",
		`href="/modules/m/handouts/journey.md?rev=abc"`,
		`href="/modules/m/handouts/map.png?rev=abc#top"`,
		`href="https://example.org/x"`,
		`href="#welcome"`,
		`<th align="right">Time</th>`,
		"“Welcome, everyone.”",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Render output lacks %s:\n%s", want, html)
		}
	}
	if len(r.Headings) != 2 || r.Headings[1].ID != "welcome-and-agreements-15-min-1" || r.Headings[0].Text != "Welcome and agreements (15 min)" {
		t.Errorf("Headings = %+v", r.Headings)
	}
	if got := r.Sections["welcome and agreements"]; got != "welcome-and-agreements-15-min" {
		t.Errorf("Sections = %q, want the first heading's id", got)
	}
}

func TestRenderIsStable(t *testing.T) {
	src := "## One\n\ntext\n\n## Two\n"
	first := module.Render(src, module.RenderOptions{})
	for range 3 {
		if got := module.Render(src, module.RenderOptions{}); got.HTML != first.HTML {
			t.Fatalf("Render changed between calls:\n%s\n%s", first.HTML, got.HTML)
		}
	}
}

func BenchmarkRender10KB(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 10_000 {
		sb.WriteString("## A section (10 min)\n\n> **Say:** \"Something to say to the group.\"\n\n1. A step with *emphasis* and a [link](handouts/x.md).\n2. Another step.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n")
	}
	src := sb.String()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		module.Render(src, module.RenderOptions{LinkBase: "/modules/m/"})
	}
}

func TestReadableText(t *testing.T) {
	src := "## Welcome (15 min)\n\nSay *hello* to **everyone**.\n\n- first\n- second\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> **Say:** \"Hi\"\n\n<div>raw</div>\n"
	want := "Welcome (15 min)\n\nSay hello to everyone.\n\n• first\n\n• second\n\na | b\n\n1 | 2\n\nSay: “Hi”"
	if got := module.ReadableText(src); got != want {
		t.Fatalf("ReadableText =\n%q\nwant\n%q", got, want)
	}
}
