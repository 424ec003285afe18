"""The word lists of the LIMIT-style task (:func:`lib.tasks.limit_dataset`): people's names and what they like.

Plain data, kept apart from the task builder as scikit-learn keeps its stop-word list: 60 first and
60 last names (3,600 distinct people) and 387 attributes (things and activities that read well in
"Who likes X?"); :func:`lib.tasks.limit_dataset` adds "<colour> <attribute>" compounds when it needs more.
"""

__all__ = ["FIRST_NAMES", "LAST_NAMES", "ATTRIBUTES"]

FIRST_NAMES = (
    "Ada Alan Alice Amir Ana Anton Aria Ben Bruno Carla Chen Clara Dana David Diego Elena Emil Eva "
    "Felix Fiona Frank Grace Hana Hugo Ian Ines Ivan Jack Jana Jon Julia Karl Kate Leo Lena Liam "
    "Lucas Maria Mark Maya Mia Nadia Nina Noah Omar Oscar Paul Petra Quinn Rosa Ruth Sam Sara Tom "
    "Uma Vera Victor Wendy Yara Zoe"
).split()
LAST_NAMES = (
    "Abbott Baker Banks Barnes Bell Brooks Burke Carter Clark Cole Cruz Dalton Diaz Dixon Ellis "
    "Evans Fisher Ford Foster Garcia Gray Hale Hayes Hill Holt Hunt Jensen Keller Knight Lane Lopez "
    "Mason Meyer Miller Moore Nash Novak Owens Park Pearce Perry Price Quinn Reed Rivera Ross Santos "
    "Shaw Silva Stone Turner Vance Wagner Walsh Ward Weber Wells West Young Zimmer"
).split()

ATTRIBUTES = (
    "apples bananas cherries grapes lemons mangoes melons oranges peaches pears plums strawberries "
    "carrots onions potatoes tomatoes cucumbers peppers broccoli spinach mushrooms garlic rice pasta "
    "bread cheese butter honey chocolate candy cookies cake pie pizza soup salad sandwiches coffee tea "
    "juice milk wine beer water lemonade cats dogs horses rabbits hamsters parrots owls eagles ducks "
    "geese swans pigeons penguins dolphins whales sharks turtles frogs snakes lizards spiders bees "
    "ants butterflies beetles wolves foxes bears lions tigers leopards zebras giraffes elephants "
    "monkeys gorillas kangaroos koalas pandas camels llamas goats sheep cows pigs chickens donkeys "
    "deer moose otters beavers squirrels mice rats bats crabs lobsters oysters salmon trout tuna "
    "guitars pianos violins drums trumpets flutes harps cellos banjos accordions novels poems comics "
    "newspapers magazines maps puzzles chess cards dice kites balloons candles lamps clocks mirrors "
    "paintings sculptures photographs films cartoons operas ballet jazz blues reggae opera theatre "
    "museums libraries gardens parks beaches mountains rivers lakes forests deserts islands volcanoes "
    "glaciers waterfalls caves canyons meadows valleys oceans storms rainbows sunsets sunrises stars "
    "planets comets moons clouds snow rain thunder fog wind autumn winter spring summer bicycles cars "
    "trains buses boats ships planes helicopters rockets tractors trucks motorcycles scooters sailing "
    "rowing swimming running cycling hiking climbing skiing skating surfing diving fishing hunting "
    "camping dancing singing painting drawing knitting sewing cooking baking gardening reading writing "
    "football baseball basketball tennis golf hockey cricket rugby volleyball boxing wrestling fencing "
    "archery bowling billiards darts yoga karate judo marathons tulips roses daisies lilies orchids "
    "sunflowers cacti ferns mosses oaks pines maples palms bamboo hats scarves gloves boots sandals "
    "jackets sweaters umbrellas watches rings necklaces bracelets earrings perfume soap towels pillows "
    "blankets chairs tables sofas shelves carpets curtains windows doors bridges towers castles temples "
    "churches mosques palaces farms villages cities harbors airports stations markets bakeries cafes "
    "restaurants hotels hospitals schools universities laboratories factories mines quarries stadiums "
    "circuses zoos aquariums carnivals festivals parades fireworks concerts lectures debates elections "
    "history geography physics chemistry biology mathematics astronomy geology philosophy economics "
    "poetry architecture engineering medicine law music sculpture photography statistics algebra "
    "geometry calculus robots computers phones cameras radios televisions printers keyboards batteries "
    "magnets lasers telescopes microscopes compasses hammers saws drills ladders ropes tents lanterns "
    "diamonds emeralds rubies pearls gold silver copper iron marble granite crystals fossils shells "
    "feathers pebbles sand clay glass paper silk wool cotton leather velvet denim lace nylon rubber"
).split()
