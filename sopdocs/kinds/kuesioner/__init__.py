"""The questionnaire, its question kinds, the response recap and its charts."""
