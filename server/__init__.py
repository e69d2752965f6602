"""The Rasa server's own extensions, loaded by `rasa run` from credentials.yml and endpoints.yml: the strict
REST input channel (`server.channel`) and the SQL tracker store that keeps erased conversations erased
(`server.tracker_store`)."""
