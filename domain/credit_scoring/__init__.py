"""The credit-scoring package: a synthetic lending book, features in SQL, a versioned
scorecard, labels, a logistic-regression model and scorecard refinement, as asset pipelines."""
