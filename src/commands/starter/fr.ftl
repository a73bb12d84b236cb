# Textes d'interface du thème notice. Chaque langue définit les mêmes identifiants.

skip-link = Aller au contenu principal
site-name = Avis aux clients { $brand }
site-tagline = Désormais sur notre nouvelle boutique
document-title = { $title } – Avis aux clients { $brand }
nav-label = À propos de ce changement
language-switcher-label = Langue
cta-lead = Les produits, l'assistance et les commandes { $brand } sont passés sur notre nouvelle boutique.
cta-store = Aller sur la nouvelle boutique
footer-closed = Le site { $brand } a fermé le { DATETIME($date) }.
footer-handover = La garantie, le service et les commandes sont assurés par la nouvelle boutique.
languages-title = Choisissez votre langue
languages-description = L'avis aux clients { $brand }, dans votre langue.
languages-intro = { $count ->
    [one] Cet avis existe dans une langue.
    [many] Cet avis existe en { $count } de langues.
   *[other] Cet avis existe en { $count } langues.
}
not-found-title = Page introuvable
not-found-description = Cette page du site { $brand } n'existe plus.
not-found-text = Cette page du site { $brand } n'existe plus.
not-found-store = Tout ce dont vous avez besoin se trouve sur la nouvelle boutique.
not-found-home = Lire l'avis
not-found-pages = { $count ->
    [one] L'avis
    [many] Les { $count } de pages de l'avis
   *[other] Les { $count } pages de l'avis
}
page-updated = Dernière mise à jour le { DATETIME($date) }.
