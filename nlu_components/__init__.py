"""Custom Rasa NLU components: the emergency guard and the knowledge-store term extractor."""
