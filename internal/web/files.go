package web

import (
	"mime"
	"path"
	"strings"
)

// contentDisposition is a Content-Disposition value for a file offered as
// name (RFC 6266): a quoted ASCII name for old clients, with every character
// that could end the quotes or the parameter replaced, and the exact name as
// UTF-8 in filename* (RFC 8187). A name is never able to add parameters.
func contentDisposition(disposition, name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	var ascii, exact strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" ._-+()", r):
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	const hex = "0123456789ABCDEF"
	for _, b := range []byte(name) {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', strings.IndexByte("!#$&+-.^_`|~", b) >= 0:
			exact.WriteByte(b)
		default:
			exact.WriteByte('%')
			exact.WriteByte(hex[b>>4])
			exact.WriteByte(hex[b&15])
		}
	}
	v := disposition + `; filename="` + ascii.String() + `"`
	if exact.String() != ascii.String() {
		v += "; filename*=UTF-8''" + exact.String()
	}
	return v
}

// inlineHandoutTypes are the handout types a browser may show in place: none
// of them can run script. Markdown is served as the text it is.
var inlineHandoutTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
	".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".markdown": "text/markdown; charset=utf-8",
	".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4", ".mp4": "video/mp4", ".webm": "video/webm",
}

// documentHandoutTypes are files offered for download under their own type,
// so that the person's computer opens them in the right program.
var documentHandoutTypes = map[string]bool{
	".doc": true, ".docx": true, ".odt": true, ".ods": true, ".odp": true, ".xls": true, ".xlsx": true,
	".ppt": true, ".pptx": true, ".rtf": true, ".epub": true, ".zip": true,
}

// handoutType decides how a contributed file is served from praxis's own
// origin: its Content-Type and whether it is shown in place ("inline") or
// only downloaded ("attachment"). Anything a browser could run (HTML, SVG,
// XML, JavaScript, CSS, and any type praxis does not know) is an attachment,
// and all but SVG are application/octet-stream, which with nosniff a browser
// will neither render nor load as a script or style. SVG keeps its type so
// that plans can show it in <img>, where it cannot run script; opened on its
// own it downloads.
func handoutType(name string) (contentType, disposition string) {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := inlineHandoutTypes[ext]; ok {
		return t, "inline"
	}
	if ext == ".svg" {
		return "image/svg+xml", "attachment"
	}
	if documentHandoutTypes[ext] {
		if t := mime.TypeByExtension(ext); t != "" {
			return t, "attachment"
		}
	}
	return "application/octet-stream", "attachment"
}
