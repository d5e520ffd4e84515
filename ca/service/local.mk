# ca/service: carecard-ca serve — OCSP, CRLs and CA certificates over HTTP
# (libevent: evhttp, bufferevent_openssl). All but the command itself is the
# noinst library libcarecard-service.la, which the fuzz targets link too.
noinst_LTLIBRARIES += %D%/libcarecard-service.la
ca_service_libcarecard_service_la_SOURCES = \
	%D%/svc.h %D%/blob.c %D%/blob.h %D%/store.c %D%/store.h %D%/site.c %D%/site.h \
	%D%/sitebuild.c %D%/sitebuild.h %D%/ocsp-answer.c %D%/ocsp-answer.h \
	%D%/settings.c %D%/settings.h %D%/ratelimit.c %D%/ratelimit.h \
	%D%/accesslog.c %D%/accesslog.h %D%/http.c %D%/http.h %D%/http-int.h %D%/handler.c \
	%D%/tls.c %D%/tls.h %D%/sched.c %D%/sched.h %D%/calock.c %D%/calock.h %D%/glue.c %D%/glue.h \
	%D%/est.c %D%/est.h %D%/est-parse.c %D%/est-parse.h \
	%D%/mail.c %D%/mail.h %D%/sms.c %D%/sms.h %D%/holder.c %D%/holder.h %D%/holder-form.c %D%/holder-form.h %D%/reply.c %D%/reply.h \
	%D%/api.c %D%/api.h %D%/api-int.h %D%/api-body.c %D%/api-body.h %D%/portal.c %D%/portal.h \
	%D%/api-reports.c %D%/api-actions.c %D%/api-actions.h %D%/api-terms.c %D%/api-terms.h \
	%D%/terms.c %D%/terms.h %D%/api-requests.c %D%/api-requests.h
ca_service_libcarecard_service_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(YAML_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
ca_service_libcarecard_service_la_LIBADD = ca/libcarecard-ca.la $(LIBEVENT_LIBS) $(YAML_LIBS) \
	$(OPENSSL_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)

# serve is a command of the command line (and of its release variant, tests/ca.mk)
CA_CLI_SOURCES += %D%/serve.c
ca_carecard_ca_LDADD += %D%/libcarecard-service.la $(LIBEVENT_LIBS)

EXTRA_DIST += %D%/README.md %D%/README-scale.md %D%/api/openapi.yaml

# The portal's pages (portal.c reads them from serve.portal, by default here):
# plain files, no build step.
portaldir = $(pkgdatadir)/portal
dist_portal_DATA = %D%/portal/me.html %D%/portal/person.html %D%/portal/portal.css \
	%D%/portal/portal.js %D%/portal/me.js %D%/portal/person.js \
	%D%/portal/search.html %D%/portal/search.js \
	%D%/portal/reports.html %D%/portal/reports.js %D%/portal/tac.html %D%/portal/tac.js \
	%D%/portal/terms.html %D%/portal/terms.js %D%/portal/requests.html %D%/portal/requests.js

# The man page, the systemd units (hardened; @bindir@ and @sysconfdir@
# filled in at build time) and the default settings file.
# (its man page is installed with the others: ca/cli/local.mk)
dist_carecardconf_DATA += %D%/serve.yaml
SVC_UNITS_GEN = %D%/systemd/carecard-ca-serve.service %D%/systemd/carecard-ca-jobs.service \
	%D%/systemd/carecard-ca-crl-publish.service
systemdsystemunit_DATA += $(SVC_UNITS_GEN) %D%/systemd/carecard-ca-crl-publish.timer
EXTRA_DIST += %D%/systemd/carecard-ca-serve.service.in %D%/systemd/carecard-ca-jobs.service.in \
	%D%/systemd/carecard-ca-crl-publish.service.in %D%/systemd/carecard-ca-crl-publish.timer
CLEANFILES += $(SVC_UNITS_GEN)
SVC_UNIT_EDIT = $(SED) -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'
%D%/systemd/carecard-ca-serve.service: $(srcdir)/%D%/systemd/carecard-ca-serve.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) %D%/systemd && \
	$(SVC_UNIT_EDIT) <$(srcdir)/%D%/systemd/carecard-ca-serve.service.in >$@
%D%/systemd/carecard-ca-jobs.service: $(srcdir)/%D%/systemd/carecard-ca-jobs.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) %D%/systemd && \
	$(SVC_UNIT_EDIT) <$(srcdir)/%D%/systemd/carecard-ca-jobs.service.in >$@
%D%/systemd/carecard-ca-crl-publish.service: \
		$(srcdir)/%D%/systemd/carecard-ca-crl-publish.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) %D%/systemd && \
	$(SVC_UNIT_EDIT) <$(srcdir)/%D%/systemd/carecard-ca-crl-publish.service.in >$@
