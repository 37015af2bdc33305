# Stand-in for axllent/mailpit (compose smoke test only): an SMTP server on
# 1025 (Debian's python3-aiosmtpd) that keeps every message in a Maildir,
# /var/mail/capstone/new, where the smoke test reads the verification email.
# `/mailpit readyz` answers like Mailpit's own, for compose's healthcheck.
# Mailpit's web UI and API (8025) are not imitated.
FROM debian:bookworm-slim
# checkov:skip=CKV_DOCKER_2: the healthcheck is the one compose.yaml declares for the image this stands in for
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends python3-aiosmtpd \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10025 --create-home mailpit \
    && mkdir -p /var/mail/capstone/tmp /var/mail/capstone/new /var/mail/capstone/cur \
    && chown -R mailpit /var/mail/capstone
COPY mailpit-readyz.py /mailpit
USER 10025
EXPOSE 1025
CMD ["python3", "-m", "aiosmtpd", "--nosetuid", "--listen", "0.0.0.0:1025", \
     "--class", "aiosmtpd.handlers.Mailbox", "/var/mail/capstone"]
