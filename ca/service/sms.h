/*
 * ca/service/sms: text messages to holders' mobiles (self-service unlock
 * codes and notices) through a configurable HTTP gateway, with libcurl:
 * one HTTPS POST of an application/x-www-form-urlencoded body
 * "to=NUMBER&text=TEXT" (the shape most gateways take; the field names are
 * settings). HTTPS only, the gateway's certificate checked against @cafile
 * (or the system's store) and its name; any 2xx answer is success.
 */
#ifndef CC_CA_SERVICE_SMS_H
#define CC_CA_SERVICE_SMS_H

struct svc_sms_conf {
	const char *url;	/* "https://gateway.example/send" */
	const char *cafile;	/* PEM trust anchors, NULL: the system's */
	const char *to_field;	/* NULL: "to" */
	const char *text_field;	/* NULL: "text" */
	long timeout_s;		/* 0: 30 s */
};

/*
 * Send @text to @number (E.164, "+" and digits only). 0, CA_ERR_INPUT for a
 * number that is not E.164, CA_ERR_IO when the gateway is unreachable or
 * answers other than 2xx (logged without the text, which may hold a code).
 */
int svc_sms_send(const struct svc_sms_conf *c, const char *number, const char *text);

#endif
