"""Developer tools: demo content, bulk seeding and the benchmark.

The top layer of the project: it may import every product app, and no product app imports it. Installed by
the dev, test and bench settings only; production settings leave it out, so none of this ships as product.
"""
