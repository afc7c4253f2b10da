import json,sys
for f in sys.argv[1:]:
    print("==",f)
    try: d=json.load(open(f))
    except Exception as e: print(open(f).read()); continue
    if d.get('kind')=='Status': print(json.dumps(d,indent=1)); continue
    m=d['metadata'].pop('managedFields',[])
    for k in ['uid','resourceVersion','creationTimestamp','generation']: d['metadata'].pop(k,None)
    print(json.dumps(d,sort_keys=False))
    for e in m: print(json.dumps(e))
