package export

import (
	"fmt"
	"strings"
)

// odtStyles is styles.xml: fonts, the named paragraph, character and list
// styles, and the A4 master page with the footer.
func odtStyles(d *wpDocument) []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<office:document-styles` + odtNamespaces + `>`)
	x.WriteString(`<office:font-face-decls>` +
		`<style:font-face style:name="Liberation Sans" svg:font-family="&apos;Liberation Sans&apos;" style:font-family-generic="swiss" style:font-pitch="variable"/>` +
		`<style:font-face style:name="Liberation Mono" svg:font-family="&apos;Liberation Mono&apos;" style:font-family-generic="modern" style:font-pitch="fixed"/>` +
		`</office:font-face-decls>`)
	x.WriteString(`<office:styles>`)
	odtDefaultStyle(&x, d.Language)
	x.WriteString(odtNamedStyles)
	x.WriteString(odtListStyle("Bullets", false))
	x.WriteString(odtListStyle("Numbers", true))
	x.WriteString(odtOutlineStyle())
	x.WriteString(`</office:styles>`)
	x.WriteString(`<office:automatic-styles><style:page-layout style:name="PlanPage">` +
		`<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/>` +
		`<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style>` +
		`</style:page-layout></office:automatic-styles>`)
	x.WriteString(`<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PlanPage"><style:footer><text:p text:style-name="Footer">`)
	odtText(&x, d.Footer)
	x.WriteString(`</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>`)
	return x.Bytes()
}

// odtDefaultStyle sets the font and, for spelling, the module's language.
func odtDefaultStyle(x *wpXML, tag string) {
	x.WriteString(`<style:default-style style:family="paragraph"><style:paragraph-properties fo:orphans="2" fo:widows="2"/>`)
	x.WriteString(`<style:text-properties style:font-name="Liberation Sans" fo:font-size="11pt"`)
	if language, region := odtSplitLanguage(tag); language != "" {
		x.attr("fo:language", language)
		if region == "" {
			region = "none"
		}
		x.attr("fo:country", region)
	}
	x.WriteString(`/></style:default-style>`)
}

// odtNamedStyles are the styles a facilitator sees in the style list.
const odtNamedStyles = `<style:style style:name="Standard" style:family="paragraph" style:class="text"/>` +
	`<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">` +
	`<style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.21cm" fo:line-height="115%"/></style:style>` +
	`<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Subtitle" style:class="chapter">` +
	`<style:paragraph-properties fo:margin-bottom="0.3cm"/><style:text-properties fo:font-size="24pt" fo:font-weight="bold"/></style:style>` +
	`<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="chapter">` +
	`<style:paragraph-properties fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="13pt" fo:color="#444444"/></style:style>` +
	`<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text">` +
	`<style:paragraph-properties fo:margin-top="0.42cm" fo:margin-bottom="0.21cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"/></style:style>` +
	`<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-size="18pt"/></style:style>` +
	`<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2" style:class="text"><style:text-properties fo:font-size="15pt"/></style:style>` +
	`<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="3" style:class="text"><style:text-properties fo:font-size="13pt"/></style:style>` +
	`<style:style style:name="Heading_20_4" style:display-name="Heading 4" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="4" style:class="text"><style:text-properties fo:font-size="11pt" fo:font-style="italic"/></style:style>` +
	`<style:style style:name="Quotations" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="html">` +
	`<style:paragraph-properties fo:margin-left="0.5cm" fo:margin-right="0.5cm" fo:padding-left="0.3cm" fo:border-left="2pt solid #999999"/><style:text-properties fo:font-style="italic"/></style:style>` +
	`<style:style style:name="Say" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="text">` +
	`<style:paragraph-properties fo:margin-left="0.3cm" fo:margin-right="0.3cm" fo:padding="0.2cm" fo:border-left="3pt solid #2b6cb0" fo:background-color="#e8f1fb"/></style:style>` +
	`<style:style style:name="Facilitator_20_Note" style:display-name="Facilitator Note" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="text">` +
	`<style:paragraph-properties fo:margin-left="0.3cm" fo:margin-right="0.3cm" fo:padding="0.2cm" fo:border-left="3pt solid #c28a00" fo:background-color="#fff4d6"/></style:style>` +
	`<style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph" style:parent-style-name="Standard" style:class="html">` +
	`<style:paragraph-properties fo:margin-bottom="0.21cm" fo:padding="0.15cm" fo:background-color="#f3f3f3"/><style:text-properties style:font-name="Liberation Mono" fo:font-size="9pt"/></style:style>` +
	`<style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"/>` +
	`<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra"><style:text-properties fo:font-weight="bold"/></style:style>` +
	`<style:style style:name="Horizontal_20_Line" style:display-name="Horizontal Line" style:family="paragraph" style:parent-style-name="Standard" style:class="html">` +
	`<style:paragraph-properties fo:margin-top="0.2cm" fo:margin-bottom="0.4cm" fo:padding-bottom="0.05cm" fo:border-bottom="0.5pt solid #808080"/><style:text-properties fo:font-size="6pt"/></style:style>` +
	`<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:text-properties fo:font-size="8pt" fo:color="#555555"/></style:style>` +
	`<style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>` +
	`<style:style style:name="Emphasis" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>` +
	`<style:style style:name="Strikethrough" style:family="text"><style:text-properties style:text-line-through-style="solid" style:text-line-through-type="single"/></style:style>` +
	`<style:style style:name="Source_20_Text" style:display-name="Source Text" style:family="text"><style:text-properties style:font-name="Liberation Mono" fo:background-color="#f3f3f3"/></style:style>` +
	`<style:style style:name="Internet_20_link" style:display-name="Internet link" style:family="text"><style:text-properties fo:color="#0563c1" style:text-underline-style="solid" style:text-underline-width="auto" style:text-underline-color="font-color"/></style:style>` +
	`<style:style style:name="Visited_20_Internet_20_Link" style:display-name="Visited Internet Link" style:family="text"><style:text-properties fo:color="#954f72" style:text-underline-style="solid" style:text-underline-width="auto" style:text-underline-color="font-color"/></style:style>`

// odtListLevels is how deep OpenDocument list styles go.
const odtListLevels = 10

// odtListStyle is a list style of bullets, or of numbers such as "1.", at
// each level, indented a step further per level.
func odtListStyle(name string, numbered bool) string {
	bullets := []string{"•", "◦", "▪"}
	var b strings.Builder
	fmt.Fprintf(&b, `<text:list-style style:name="%s">`, name)
	for level := 1; level <= odtListLevels; level++ {
		if numbered {
			fmt.Fprintf(&b, `<text:list-level-style-number text:level="%d" style:num-suffix="." style:num-format="1">`, level)
		} else {
			fmt.Fprintf(&b, `<text:list-level-style-bullet text:level="%d" text:bullet-char="%s">`, level, bullets[(level-1)%len(bullets)])
		}
		indent := 0.635 * float64(level)
		fmt.Fprintf(&b, `<style:list-level-properties text:list-level-position-and-space-mode="label-alignment">`+
			`<style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="%.3fcm" fo:text-indent="-0.635cm" fo:margin-left="%.3fcm"/>`+
			`</style:list-level-properties>`, indent, indent)
		if numbered {
			b.WriteString(`</text:list-level-style-number>`)
		} else {
			b.WriteString(`</text:list-level-style-bullet>`)
		}
	}
	b.WriteString(`</text:list-style>`)
	return b.String()
}

// odtOutlineStyle leaves headings unnumbered.
func odtOutlineStyle() string {
	var b strings.Builder
	b.WriteString(`<text:outline-style style:name="Outline">`)
	for level := 1; level <= odtListLevels; level++ {
		fmt.Fprintf(&b, `<text:outline-level-style text:level="%d" style:num-format=""/>`, level)
	}
	b.WriteString(`</text:outline-style>`)
	return b.String()
}

// odtSplitLanguage splits a language tag such as "en-GB" into its language
// and region, lower and upper case.
func odtSplitLanguage(tag string) (language, region string) {
	language, region, _ = strings.Cut(tag, "-")
	return strings.ToLower(language), strings.ToUpper(region)
}
