"""The enrich stage: language, sentiment, topics and aspects for stored mentions."""
