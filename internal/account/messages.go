package account

import (
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func resetMessage(u *praxis.User, link, issuedBy string) mail.Message {
	who := "You (or someone using your email address) asked"
	if issuedBy != "" {
		who = issuedBy + " asked"
	}
	return mail.Message{
		To:      u.Email,
		Subject: "Set a new password for praxis",
		Body: fmt.Sprintf(`Hello %s,

%s for a link to set a new password for your praxis account.
Open this link within %d hours to choose a new password:

%s

The link works once. If you did not expect this email, you can ignore it:
your password stays as it is.
`, u.Name, who, int(ResetLifetime.Hours()), link),
	}
}

func invitationMessage(email, from, link string, expires time.Time) mail.Message {
	return mail.Message{
		To:      email,
		Subject: "An invitation to join the facilitator network on praxis",
		Body: fmt.Sprintf(`Hello,

%s has invited you to join the facilitator network on praxis, where the
network keeps its workshop plans and records the workshops it delivers.

Join with this link before %s:

%s

The link works once.
`, from, when(expires), link),
	}
}

func existingAccountMessage(email, login, forgot string) mail.Message {
	return mail.Message{
		To:      email,
		Subject: "You already have a praxis account",
		Body: fmt.Sprintf(`Hello,

Someone, perhaps you, asked to join the facilitator network on praxis with
this email address. You already have an account, so nothing new was made.

To sign in: %s
If you have forgotten your password: %s

If it was not you, you can ignore this email: your account is unchanged.
`, login, forgot),
	}
}
