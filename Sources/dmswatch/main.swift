print("dmswatch: not yet")
