"""Custom actions of the Rasa bot: thin adapters between the conversation and the knowledge store."""
