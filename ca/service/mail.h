/*
 * ca/service/mail: messages to holders (self-service unlock codes and
 * notices) through an SMTP relay, with libcurl. STARTTLS is required
 * (CURLUSESSL_ALL): a relay that does not offer it gets nothing, so a code
 * never crosses the network in clear. The relay's certificate is checked
 * against @cafile (or the system's store) and its name.
 */
#ifndef CC_CA_SERVICE_MAIL_H
#define CC_CA_SERVICE_MAIL_H

struct svc_mail_conf {
	const char *relay;	/* "smtp://host:port" (STARTTLS) or "smtps://host:port" */
	const char *from;	/* envelope and header sender, e.g. "carecard-ca@example.nhs.uk" */
	const char *cafile;	/* PEM trust anchors for the relay, NULL: the system's */
	long timeout_s;		/* whole transaction; 0: 30 s */
};

/*
 * Send one plain-text message (@subject, @text: no CR or LF in @subject,
 * lines of @text end in LF) to @to. 0, CA_ERR_INPUT for an address or
 * subject that could inject headers or SMTP commands, CA_ERR_IO when the
 * relay is unreachable, refuses STARTTLS or the message (logged without
 * the text, which may hold a code).
 */
int svc_mail_send(const struct svc_mail_conf *c, const char *to, const char *subject,
		  const char *text);

#endif
