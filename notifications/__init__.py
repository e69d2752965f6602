"""Email for the referral office: the persistent outbox, the messages (a new inquiry's notification to its
unit's coordinators, the coordinator's reply to the patient, the daily digest of overdue inquiries) and
their delivery through SMTP.

Messages are queued in the outbox table in the same transaction as what caused them, so a crash loses
none; `notifications.delivery` sends them and retries failures; with no SMTP_HOST configured they stay in
the outbox, where the console shows them. Command line: `python -m notifications --help`.
"""
