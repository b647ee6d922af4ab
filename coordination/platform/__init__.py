"""The platform: the job queue and worker (one claim-and-lease mechanism), the mail outbox,
realtime broadcast over the channel layer, rate limits, domain errors, input cleaners and API
types, pagination, health checks, the run modes. It imports neither the organisation nor the
apps: it knows officials only by id and address."""
