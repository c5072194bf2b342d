"""Telling people: the mailer (SMTP or the log), the outbox that sends after commit, and the
notifications that become e-mails."""
