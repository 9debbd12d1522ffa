"""Detection internals: baseline and test, alert lifecycle, example quotes, themes, churn."""
