language-name = Français
nav-label = Pages
price = Prix : { $amount }
tricky = <b>gras</b>
not-found = Cette page n'existe pas.
closed-on = Fermé le { DATETIME($day) }.
