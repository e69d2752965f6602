"""The processes that make up the running bot, started the same way by `make run` and by the tests."""
