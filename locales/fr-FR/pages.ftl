## La page « introuvable » (404.html)

not-found-title = Page introuvable
not-found-description = Cette page { $brand } n’existe plus. L’avis explique où tout a été transféré.
not-found-text = Le site { $brand } a fermé : cette adresse ne mène plus à aucune page.
# $count (Number) - le nombre de pages de l’avis
not-found-pages =
    { $count ->
        [one] Cette page explique ce qui change :
        [many] Ces { $count } pages expliquent ce qui change :
       *[other] Ces { $count } pages expliquent ce qui change :
    }
not-found-home = Lire l’avis
not-found-store = Vous cherchez un produit ? Rendez-vous sur la boutique Xiaomi.

## Le choix de la langue (racine d’un domaine proposant plusieurs langues)

languages-title = Choisissez votre langue
languages-description = L’information clients { $brand }, dans toutes les langues proposées par ce site.
# $count (Number) - le nombre de langues proposées
languages-intro =
    { $count ->
        [one] Cet avis est disponible dans une seule langue.
        [many] Cet avis est disponible en { $count } langues. Choisissez la vôtre :
       *[other] Cet avis est disponible en { $count } langues. Choisissez la vôtre :
    }
