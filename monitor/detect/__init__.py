"""The detect stage: daily counts, baselines and tests, themes, churn leads, alert lifecycle."""
