package workshop_test

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// decodedText returns a message's text (its body, or the first part of a
// multipart one, decoded from quoted-printable) and its calendar
// attachment, decoded from base64 ("" for none).
func decodedText(msg *mail.Message) (text, calendar string) {
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", ""
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		data, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
		return strings.ReplaceAll(string(data), "\r\n", "\n"), ""
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := parts.NextPart()
		if err != nil {
			return text, calendar
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/calendar") {
			data, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
			calendar = string(data)
			continue
		}
		data, _ := io.ReadAll(part) // the part reader decodes quoted-printable
		text = strings.ReplaceAll(string(data), "\r\n", "\n")
	}
}
