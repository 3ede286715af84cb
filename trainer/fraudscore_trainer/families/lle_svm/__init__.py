"""lle_svm: z-score, LLE, RBF SVM and K-means grades (listed companies)."""
