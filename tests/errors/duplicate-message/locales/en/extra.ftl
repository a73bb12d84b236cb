nav-label = Navigation
