"""Partner matchmaking: pure scoring (numpy) and its offline evaluation."""
