# The word lists and sentence templates of ITAM's captions (the local-patterns method,
# Sec. 3.2: "A man is doing something", "... in some clothes", "... in some place",
# "There is something"). The paper picks its words from the Oxford 3000 list, which is
# not available here; these lists are vadkit's own substitute: common English words for
# what a surveillance camera sees (actions of people and vehicles, clothes and colours,
# places, nearby objects), chosen for street, campus and indoor scenes. A captioner fills
# one template per list; the word-level vocabulary of the text module is built from these
# lists and templates (configs name this file in `_base_`).
caption_templates = dict(
    actions='a {subject} is {word}',
    clothes='a {subject} in {word}',
    places='a {subject} is in {word}',
    objects='there is {word}')
caption_subjects = ['man', 'woman', 'person', 'child', 'car', 'bicycle', 'vehicle', 'object']
caption_words = dict(
    actions=[
        'walking', 'running', 'standing', 'sitting', 'lying', 'jumping', 'riding a bicycle',
        'riding a motorbike', 'skating', 'driving', 'pushing a cart', 'carrying a bag',
        'throwing something', 'fighting', 'falling', 'dancing', 'waving', 'talking',
        'looking around', 'bending down', 'climbing', 'chasing someone', 'loitering',
        'crossing the road', 'waiting', 'turning', 'stopping', 'parking', 'moving fast',
        'moving slowly'],
    clothes=[
        'a black coat', 'a white shirt', 'a red jacket', 'a blue shirt', 'a green jacket',
        'a yellow coat', 'a grey suit', 'a pink dress', 'a brown jacket', 'dark clothes',
        'light clothes', 'a hat', 'a cap', 'jeans', 'shorts', 'a skirt', 'a uniform',
        'a backpack', 'a scarf', 'sports clothes',
        # a shirt of each colour name of the ground-truth captioner, and the bare colour
        # for vehicles ("a car in red")
        'a black shirt', 'a grey shirt', 'a red shirt', 'an orange shirt', 'a yellow shirt',
        'a green shirt', 'a purple shirt', 'a pink shirt', 'a brown shirt', 'black', 'white',
        'grey', 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown'],
    places=[
        'a street', 'a road', 'a walkway', 'a square', 'a park', 'a lawn', 'a campus',
        'a car park', 'a station', 'a corridor', 'a room', 'a shop', 'an entrance',
        'a crossing', 'a bridge', 'a garden', 'a hall', 'a lobby', 'the rain', 'the dark'],
    objects=[
        'a tree', 'a bench', 'a lamp post', 'a car', 'a bicycle', 'a bag', 'a box',
        'a door', 'a window', 'a fence', 'a wall', 'a sign', 'a bin', 'a table', 'a chair',
        'smoke', 'fire', 'water', 'grass', 'stairs', 'a cart'])
